package io.connectproxy.net;

import java.time.Duration;

/**
 * How a {@link Pipe} ended, for logs and metrics.
 *
 * @param bytesAToB  bytes read from A and written to B
 * @param bytesBToA  bytes read from B and written to A
 * @param reason     what ended it
 * @param cause      the error for {@link Reason#A_ERROR}/{@link Reason#B_ERROR}, else null
 * @param pausesOfA  how often A was paused because B's write queue was full (backpressure events)
 * @param pausesOfB  how often B was paused because A's write queue was full
 * @param duration   from start to the end of both sides
 */
public record PipeResult(long bytesAToB, long bytesBToA, Reason reason, Throwable cause, long pausesOfA,
                         long pausesOfB, Duration duration) {

    /** What ended a pipe. */
    public enum Reason {
        /** Both sides ended their write side (EOF both ways): the normal end of a conversation. */
        COMPLETED,
        /** A closed the connection before both directions had ended. */
        A_CLOSED,
        /** B closed the connection before both directions had ended. */
        B_CLOSED,
        /** A failed (reset, TLS error, …); B was closed at once. */
        A_ERROR,
        /** B failed; A was closed at once. */
        B_ERROR,
        /** No byte moved in either direction for the idle timeout. */
        IDLE_TIMEOUT,
        /** {@link Pipe#close()} was called (e.g. drain on shutdown, authorization revoked). */
        CLOSED_LOCALLY
    }
}
