package io.connectproxy.logging;

import io.connectproxy.config.LogLevel;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.StreamHandler;

/**
 * Sets up java.util.logging for the process: one handler on stderr (stdout is kept for command output such as
 * the Envoy bootstrap), one line per event as text or as JSON. Netty and Vert.x log through slf4j, which the
 * slf4j-jdk14 binding routes here, so their lines get the same format.
 */
public final class Logging {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ISO_INSTANT.withZone(ZoneOffset.UTC);
    static final String REDACTED = "<redacted>";
    /** Values never to be printed, whoever logs them (a library's error message may echo a header or URL). */
    private static final Set<String> SECRETS = new CopyOnWriteArraySet<>();
    private static final Set<Logger> TUNED = new CopyOnWriteArraySet<>();

    /** System property that selects the LogManager; must be set before the first logger is created. */
    static final String MANAGER_PROPERTY = "java.util.logging.manager";

    private Logging() {
    }

    /**
     * Installs {@link ShutdownSafeLogManager}. Call first thing in {@code main}, before any class creates a logger;
     * later calls have no effect (the JDK has then picked its LogManager).
     */
    public static void installLogManager() {
        if (System.getProperty(MANAGER_PROPERTY) == null) {
            System.setProperty(MANAGER_PROPERTY, ShutdownSafeLogManager.class.getName());
        }
    }

    /**
     * The JDK's LogManager removes all handlers from its own shutdown hook, racing the proxy's hook: the lines
     * that say how the shutdown and drain went would be lost. This one only resets when {@link #configure} asks.
     */
    public static final class ShutdownSafeLogManager extends LogManager {
        private volatile boolean resetAllowed;

        @Override
        public void reset() {
            if (resetAllowed) {
                super.reset();
            }
        }

        void resetNow() {
            resetAllowed = true;
            try {
                super.reset();
            } finally {
                resetAllowed = false;
            }
        }
    }

    /**
     * Registers a secret (the agent token, a managed proxy's token) that every formatter replaces with
     * {@value #REDACTED}: a safety net under the rule that code never logs one. Blank values are ignored.
     */
    public static void redact(String secret) {
        if (secret != null && !secret.isBlank()) {
            SECRETS.add(secret);
        }
    }

    static String scrub(String s) {
        if (s == null || SECRETS.isEmpty()) {
            return s;
        }
        String out = s;
        for (String secret : SECRETS) {
            out = out.replace(secret, REDACTED);
        }
        return out;
    }

    /** Replaces the root logger's handlers; call once at start-up, before anything logs. */
    public static void configure(LogLevel level, boolean json) {
        configure(level, json, System.err);
    }

    static void configure(LogLevel level, boolean json, OutputStream out) {
        LogManager manager = LogManager.getLogManager();
        if (manager instanceof ShutdownSafeLogManager safe) {
            safe.resetNow();
        } else {
            manager.reset();
        }
        Logger root = Logger.getLogger("");
        Level jul = julLevel(level);
        root.setLevel(jul);
        root.addHandler(handler(jul, json, out));
        // Netty's own debug output is very chatty (buffer leak detection, native library probing): show it only at
        // trace; at debug, only this proxy's own debug lines appear.
        Level libraries = level == LogLevel.TRACE ? jul : (jul.intValue() < Level.INFO.intValue() ? Level.INFO : jul);
        keep(Logger.getLogger("io.netty")).setLevel(libraries);
        keep(Logger.getLogger("io.vertx")).setLevel(libraries);
        // Vert.x binds Netty's event-executor gauges once per event-loop group; Micrometer warns about the second
        // binding at every start. Harmless (the first one is kept): show it only at trace.
        keep(Logger.getLogger("io.micrometer.core.instrument.MeterRegistry"))
                .setLevel(level == LogLevel.TRACE ? jul : Level.SEVERE);
    }

    /** JUL holds loggers weakly: one collected before it logs would come back without its level. */
    private static Logger keep(Logger logger) {
        TUNED.add(logger);
        return logger;
    }

    static Handler handler(Level level, boolean json, OutputStream out) {
        Handler h = new LineHandler(out, json ? new JsonFormatter() : new TextFormatter(level));
        h.setLevel(level);
        return h;
    }

    public static Level julLevel(LogLevel level) {
        return switch (level) {
            case TRACE -> Level.FINEST;
            case DEBUG -> Level.FINE;
            case INFO -> Level.INFO;
            case WARN -> Level.WARNING;
            case ERROR -> Level.SEVERE;
        };
    }

    /** The proxy's level names, so logs read the same in text and JSON whatever library wrote them. */
    static String levelName(Level level) {
        int v = level.intValue();
        if (v >= Level.SEVERE.intValue()) {
            return "ERROR";
        }
        if (v >= Level.WARNING.intValue()) {
            return "WARN";
        }
        if (v >= Level.INFO.intValue()) {
            return "INFO";
        }
        if (v >= Level.FINE.intValue()) {
            return "DEBUG";
        }
        return "TRACE";
    }

    /** Writes and flushes each line at once: a proxy's log is read live, and a crash must not lose the tail. */
    private static final class LineHandler extends StreamHandler {
        LineHandler(OutputStream out, Formatter formatter) {
            super(out instanceof PrintStream ps ? ps : new PrintStream(out, true, StandardCharsets.UTF_8), formatter);
            try {
                setEncoding(StandardCharsets.UTF_8.name());
            } catch (java.io.UnsupportedEncodingException impossible) {
                throw new IllegalStateException(impossible);
            }
        }

        @Override
        public synchronized void publish(LogRecord record) {
            super.publish(record);
            flush();
        }

        @Override
        public synchronized void close() {
            // never close stderr: other handlers and the JVM's own messages still need it
            flush();
        }
    }

    /** {@code 2026-11-22T14:19:47.123Z INFO  ConfigWatcherVerticle: message}; stack traces only at debug. */
    static final class TextFormatter extends Formatter {
        private final boolean stackTraces;

        TextFormatter(Level level) {
            this.stackTraces = level.intValue() <= Level.FINE.intValue();
        }

        @Override
        public String format(LogRecord r) {
            StringBuilder sb = new StringBuilder(128);
            sb.append(TIME.format(Instant.ofEpochMilli(r.getMillis()))).append(' ');
            String level = levelName(r.getLevel());
            sb.append(level).append(" ".repeat(Math.max(1, 6 - level.length())));
            sb.append(shortName(r.getLoggerName())).append(": ");
            sb.append(oneLine(scrub(formatMessage(r))));
            Throwable t = r.getThrown();
            if (t != null) {
                if (stackTraces) {
                    sb.append(System.lineSeparator()).append(scrub(stackTrace(t)).stripTrailing());
                } else {
                    sb.append(" (").append(oneLine(scrub(causeChain(t)))).append(')');
                }
            }
            return sb.append(System.lineSeparator()).toString();
        }
    }

    /** One JSON object per line: {@code {"time":…,"level":…,"logger":…,"thread":…,"message":…,"error":…}}. */
    static final class JsonFormatter extends Formatter {
        @Override
        public String format(LogRecord r) {
            StringBuilder sb = new StringBuilder(160);
            sb.append("{\"time\":");
            quote(sb, TIME.format(Instant.ofEpochMilli(r.getMillis())));
            sb.append(",\"level\":");
            quote(sb, levelName(r.getLevel()));
            sb.append(",\"logger\":");
            quote(sb, r.getLoggerName() == null ? "" : r.getLoggerName());
            sb.append(",\"thread\":");
            quote(sb, Thread.currentThread().getName());
            sb.append(",\"message\":");
            quote(sb, scrub(formatMessage(r)));
            if (r.getThrown() != null) {
                sb.append(",\"error\":");
                quote(sb, scrub(causeChain(r.getThrown())));
                sb.append(",\"stack\":");
                quote(sb, scrub(stackTrace(r.getThrown())));
            }
            return sb.append('}').append('\n').toString();
        }
    }

    /** JSON string escaping (RFC 8259), including the control characters a message may carry. */
    static void quote(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                default -> {
                    if (c < 0x20 || c == '\u2028' || c == '\u2029') {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }

    private static String shortName(String logger) {
        if (logger == null || logger.isEmpty()) {
            return "root";
        }
        int dot = logger.lastIndexOf('.');
        return dot >= 0 ? logger.substring(dot + 1) : logger;
    }

    /** Newlines inside a message would break one-line-per-event; show them escaped. */
    private static String oneLine(String s) {
        return s == null ? "" : s.replace("\r", "\\r").replace("\n", "\\n");
    }

    private static String causeChain(Throwable t) {
        StringBuilder sb = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (sb.length() > 0) {
                sb.append("; caused by ");
            }
            sb.append(c.getClass().getName());
            if (c.getMessage() != null) {
                sb.append(": ").append(c.getMessage());
            }
        }
        return sb.toString();
    }

    /** The trace as text for one log record (causes included), written out here rather than to a stream. */
    private static String stackTrace(Throwable t) {
        StringBuilder sb = new StringBuilder();
        String prefix = "";
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            sb.append(prefix).append(c).append('\n');
            for (StackTraceElement e : c.getStackTrace()) {
                sb.append("\tat ").append(e).append('\n');
            }
            prefix = "Caused by: ";
        }
        return sb.toString();
    }
}
