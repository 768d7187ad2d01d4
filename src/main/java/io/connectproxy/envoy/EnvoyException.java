package io.connectproxy.envoy;

/**
 * A failure of the envoy mode with a reason code, so the CLI maps every failure to one stderr line and an exit
 * code in one place. The message is user-facing: it names the flag, key or value at fault and never the token.
 */
public final class EnvoyException extends RuntimeException {

    public enum Reason {
        /** flags that do not fit together, or no proxy to bootstrap */
        USAGE,
        /** the agent could not be asked or answered with an error (unknown proxy, unreachable) */
        AGENT,
        /** the proxy's registration or Proxy.Config cannot produce a bootstrap */
        CONFIG,
        /** local files (CA, template) or addresses cannot be read or resolved */
        LOCAL,
        /** Envoy could not be started */
        EXEC,
        /** running Envoy is not supported on this operating system */
        UNSUPPORTED_OS
    }

    /** Consul's connect envoy exits 1 on every error; so do we. */
    public static final int EXIT_CODE = 1;

    private final Reason reason;

    public EnvoyException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public EnvoyException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }

    /** A flag or key the shared config parsers rejected: a usage error of this mode, with their message. */
    static EnvoyException usage(io.connectproxy.config.ConfigException e) {
        return new EnvoyException(Reason.USAGE, e.getMessage(), e);
    }
}
