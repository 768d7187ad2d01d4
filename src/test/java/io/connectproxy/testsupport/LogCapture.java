package io.connectproxy.testsupport;

import java.time.Duration;
import java.util.Arrays;
import io.connectproxy.logging.LogFields;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * The one log capture of the tests: collects what some loggers (and their children) log while it is open, as
 * records and as {@code "LEVEL message"} lines. Close it (try-with-resources or an {@code @AfterEach}).
 */
public final class LogCapture extends Handler implements AutoCloseable {
    /** Every message as {@code "LEVEL message"}, in order. */
    public final List<String> messages = new CopyOnWriteArrayList<>();
    private final List<LogRecord> records = new CopyOnWriteArrayList<>();
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

    /** The {@code "LEVEL message"} lines that contain every one of {@code parts}. */
    public List<String> matching(String... parts) {
        return messages.stream().filter(m -> Arrays.stream(parts).allMatch(m::contains)).toList();
    }

    /** The messages (without their level) logged at {@code level} or above. */
    public List<String> atLeast(Level level) {
        return records.stream().filter(r -> r.getLevel().intValue() >= level.intValue())
                .map(LogRecord::getMessage).toList();
    }

    public List<LogRecord> records() {
        return List.copyOf(records);
    }

    /** Waits (on the test thread) for a message containing {@code part}; a timeout names it and shows what came. */
    public void await(Duration within, String part) throws InterruptedException {
        try {
            Await.until(within, "a log message containing \"" + part + "\"", () -> contains(part));
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; messages: " + messages, e);
        }
    }

    @Override
    public void publish(LogRecord record) {
        records.add(record);
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
