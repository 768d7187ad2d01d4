package io.connectproxy.config;

/**
 * Invalid configuration. The message always names the field path or flag and the offending value, e.g.
 * {@code service.connect.proxy.config.upstreams[1].local_bind_port: must be 1-65535, got 70000}; the CLI prints
 * it as is and exits with {@link #EXIT_CODE}.
 */
public final class ConfigException extends RuntimeException {
    /** Usage and configuration errors exit 2, like the Go flag package and the Vert.x launcher. */
    public static final int EXIT_CODE = 2;

    private final String field;
    private final String problem;

    public ConfigException(String field, String problem) {
        super(field + ": " + problem);
        this.field = field;
        this.problem = problem;
    }

    /** The field path, flag or variable that is wrong, e.g. {@code -listen} or {@code upstreams[1].local_bind_port}. */
    public String field() {
        return field;
    }

    /** What is wrong with it, without the field. */
    public String problem() {
        return problem;
    }
}
