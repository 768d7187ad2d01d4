package io.connectproxy.testsupport;

import java.time.Duration;
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
        messages.add(record.getLevel() + " " + record.getMessage());
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
