package io.connectproxy.net;

import java.time.Duration;
import java.util.Objects;

/**
 * How a {@link Pipe} behaves.
 *
 * @param writeQueueHighWaterMark bytes queued towards one socket before its source is paused. The default,
 *                                64 KiB, is Netty's own default high-water mark: the kernel's (auto-tuned,
 *                                megabyte-sized) socket buffers already absorb the bandwidth-delay product, so user
 *                                space only smooths bursts, and worst-case memory per proxied connection stays near
 *                                2 × (64 KiB + one read) whatever the peers' speeds.
 * @param idleTimeout             close both sides after this long without a byte in either direction;
 *                                {@link Duration#ZERO} disables it
 * @param halfClose               pass a TCP half-close (FIN) through instead of closing both sides on the first EOF
 */
public record PipeOptions(int writeQueueHighWaterMark, Duration idleTimeout, boolean halfClose) {

    public static final int DEFAULT_WRITE_QUEUE_HIGH_WATER_MARK = 64 * 1024;
    public static final PipeOptions DEFAULTS =
            new PipeOptions(DEFAULT_WRITE_QUEUE_HIGH_WATER_MARK, Duration.ZERO, true);

    public PipeOptions {
        Objects.requireNonNull(idleTimeout, "idleTimeout");
        if (writeQueueHighWaterMark < 1024) {
            throw new IllegalArgumentException("writeQueueHighWaterMark must be >= 1024, got " + writeQueueHighWaterMark);
        }
        if (idleTimeout.isNegative()) {
            throw new IllegalArgumentException("idleTimeout must not be negative, got " + idleTimeout);
        }
    }

    /** The defaults with an idle timeout in milliseconds as configs give it (0 or less: none). */
    public static PipeOptions withIdleTimeoutMs(long idleTimeoutMs) {
        return DEFAULTS.withIdleTimeout(Duration.ofMillis(Math.max(0, idleTimeoutMs)));
    }

    public PipeOptions withIdleTimeout(Duration timeout) {
        return new PipeOptions(writeQueueHighWaterMark, timeout, halfClose);
    }

    public PipeOptions withWriteQueueHighWaterMark(int bytes) {
        return new PipeOptions(bytes, idleTimeout, halfClose);
    }

    public PipeOptions withHalfClose(boolean enabled) {
        return new PipeOptions(writeQueueHighWaterMark, idleTimeout, enabled);
    }
}
