package io.connectproxy.config;

import java.util.Locale;

/** {@code -log-level} / {@code log.level}. Parsed case-insensitively because Consul passes {@code DEBUG}. */
public enum LogLevel {
    TRACE, DEBUG, INFO, WARN, ERROR;

    public static final LogLevel DEFAULT = INFO;

    /** @throws ConfigException naming {@code field} when the value is not a level */
    public static LogLevel parse(String value, String field) {
        String v = value == null ? "" : value.trim().toLowerCase(Locale.ROOT);
        return switch (v) {
            case "trace" -> TRACE;
            case "debug" -> DEBUG;
            case "info" -> INFO;
            case "warn", "warning" -> WARN;
            case "error", "err" -> ERROR;
            default -> throw new ConfigException(field, "must be one of trace, debug, info, warn, error, got "
                    + JsonFields.show(value));
        };
    }

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
