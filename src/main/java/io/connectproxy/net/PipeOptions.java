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
 * @param forwarding              how a read reaches the other socket; {@link Forwarding#DEFAULT} unless a test or a
 *                                benchmark compares the two paths
 */
public record PipeOptions(int writeQueueHighWaterMark, Duration idleTimeout, boolean halfClose,
                          Forwarding forwarding) {

    public static final int DEFAULT_WRITE_QUEUE_HIGH_WATER_MARK = 64 * 1024;
    public static final PipeOptions DEFAULTS =
            new PipeOptions(DEFAULT_WRITE_QUEUE_HIGH_WATER_MARK, Duration.ZERO, true, Forwarding.DEFAULT);

    /** How the bytes of one read get from one socket to the other. */
    public enum Forwarding {
        /**
         * {@link #PASS_THROUGH}, unless the system property {@value Pipe#FORWARDING_PROPERTY} says {@code copy}
         * (read at every {@link Pipe#start}, so an operator can switch back without a rebuild).
         */
        DEFAULT,
        /**
         * The buffer Netty read (pooled, usually direct) is written to the other socket as it is: no copy and no
         * garbage per read. Needs both sockets to be Vert.x's own implementation; any other socket gets
         * {@link #COPY}.
         */
        PASS_THROUGH,
        /** Vert.x's public API: each read arrives as a heap copy, which is then written. The fallback. */
        COPY
    }

    /** The options before {@code forwarding} existed: {@link Forwarding#DEFAULT}. */
    public PipeOptions(int writeQueueHighWaterMark, Duration idleTimeout, boolean halfClose) {
        this(writeQueueHighWaterMark, idleTimeout, halfClose, Forwarding.DEFAULT);
    }

    public PipeOptions {
        Objects.requireNonNull(idleTimeout, "idleTimeout");
        Objects.requireNonNull(forwarding, "forwarding");
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
        return new PipeOptions(writeQueueHighWaterMark, timeout, halfClose, forwarding);
    }

    public PipeOptions withWriteQueueHighWaterMark(int bytes) {
        return new PipeOptions(bytes, idleTimeout, halfClose, forwarding);
    }

    public PipeOptions withHalfClose(boolean enabled) {
        return new PipeOptions(writeQueueHighWaterMark, idleTimeout, enabled, forwarding);
    }

    public PipeOptions withForwarding(Forwarding how) {
        return new PipeOptions(writeQueueHighWaterMark, idleTimeout, halfClose, how);
    }
}
