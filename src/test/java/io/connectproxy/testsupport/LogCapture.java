package io.connectproxy.testsupport;

import io.connectproxy.logging.LogFields;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/** Collects the messages logged to some loggers during a test. */
public final class LogCapture extends Handler implements AutoCloseable {
    public final List<String> messages = new CopyOnWriteArrayList<>();
    private final Logger[] loggers;

    public LogCapture(Class<?>... classes) {
        loggers = new Logger[classes.length];
        for (int i = 0; i < classes.length; i++) {
            loggers[i] = Logger.getLogger(classes[i].getName());
            loggers[i].addHandler(this);
        }
        setLevel(Level.ALL);
    }

    public boolean contains(String part) {
        return messages.stream().anyMatch(m -> m.contains(part));
    }

    @Override
    public void publish(LogRecord record) {
        messages.add(line(record));
    }

    /**
     * "LEVEL message key=value …": the record's message with its {@link LogFields} appended, so a test can look for
     * a fact (a peer's port, a destination) whether it is in the message or a field.
     */
    public static String line(LogRecord record) {
        StringBuilder sb = new StringBuilder().append(record.getLevel()).append(' ').append(record.getMessage());
        Object[] params = record.getParameters();
        if (params != null) {
            for (Object p : params) {
                if (p instanceof LogFields f) {
                    f.entries().forEach(e -> sb.append(' ').append(e.getKey()).append('=').append(e.getValue()));
                }
            }
        }
        return sb.toString();
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
        for (Logger l : loggers) {
            l.removeHandler(this);
        }
    }
}
