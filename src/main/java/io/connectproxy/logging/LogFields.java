package io.connectproxy.logging;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * The facts of one log line as named fields ({@code peer}, {@code spiffe_id}, {@code listener},
 * {@code destination}, {@code reason}, …), so a log shipper gets them as keys instead of parsing the message.
 * Passed as the record's parameter; the text format prints them as {@code key=value} after the message, the JSON
 * format as keys of the line's object. Order is kept as given.
 */
public final class LogFields {
    private final List<Map.Entry<String, Object>> fields;

    private LogFields(List<Map.Entry<String, Object>> fields) {
        this.fields = Collections.unmodifiableList(fields);
    }

    /** {@code of("peer", addr, "reason", "denied")}: names and values alternating; null values are left out. */
    public static LogFields of(Object... namesAndValues) {
        if (namesAndValues.length % 2 != 0) {
            throw new IllegalArgumentException("names and values must alternate, got " + namesAndValues.length
                    + " items");
        }
        List<Map.Entry<String, Object>> list = new ArrayList<>(namesAndValues.length / 2);
        for (int i = 0; i < namesAndValues.length; i += 2) {
            if (namesAndValues[i + 1] != null) {
                list.add(Map.entry(String.valueOf(namesAndValues[i]), namesAndValues[i + 1]));
            }
        }
        return new LogFields(list);
    }

    public List<Map.Entry<String, Object>> entries() {
        return fields;
    }

    /** Logs {@code message} with these fields; the fields are not evaluated into text unless the level is on. */
    public static void log(Logger logger, Level level, String message, Object... namesAndValues) {
        if (logger.isLoggable(level)) {
            LogRecord r = new LogRecord(level, message);
            r.setLoggerName(logger.getName());
            r.setParameters(new Object[] {of(namesAndValues)});
            logger.log(r);
        }
    }

    /** The fields of a record, or none. */
    static LogFields of(LogRecord r) {
        Object[] params = r.getParameters();
        if (params != null) {
            for (Object p : params) {
                if (p instanceof LogFields f) {
                    return f;
                }
            }
        }
        return null;
    }
}
