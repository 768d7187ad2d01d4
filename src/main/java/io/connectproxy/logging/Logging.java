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
    private static final String OWN_PREFIX = "io.connectproxy.";
    static final String REDACTED = "<redacted>";
    /** Values never to be printed, whoever logs them (a library's error message may echo a header or URL). */
    private static final Set<String> SECRETS = new CopyOnWriteArraySet<>();
    private static final Set<Logger> TUNED = new CopyOnWriteArraySet<>();

    /** System property that selects the LogManager; must be set before the first logger is created. */
    static final String MANAGER_PROPERTY = "java.util.logging.manager";
    private static final String SLF4J_VERBOSITY = "slf4j.internal.verbosity";

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
        // SLF4J writes its own reports straight to stderr ("SLF4J(W): A number (3) of logging calls during the
        // initialization phase have been intercepted and are now being replayed"), which breaks one JSON object
        // per line: initialise it here, on the main thread before any other thread logs (nothing to replay), and
        // let through only its errors.
        if (System.getProperty(SLF4J_VERBOSITY) == null) {
            System.setProperty(SLF4J_VERBOSITY, "ERROR");
        }
        org.slf4j.LoggerFactory.getILoggerFactory();
        // a thread that dies of an exception would otherwise print a raw stack trace to stderr
        Thread.setDefaultUncaughtExceptionHandler((thread, e) -> Logger.getLogger(Logging.class.getName())
                .log(Level.SEVERE, "uncaught exception in thread " + thread.getName(), e));
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
        // the JDK's security events (every TLS certificate seen, at FINE) would flood -log-level debug
        keep(Logger.getLogger("jdk.event.security")).setLevel(libraries);
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
        Handler h = new LineHandler(out, json ? new JsonFormatter(level) : new TextFormatter(level));
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

    /**
     * Consul's own text format (hclog), so the proxy's lines read like the agent's beside them:
     * {@code 2026-11-30T23:45:50.425Z [INFO]  proxy.inbound: rejected connection: peer=10.0.0.7:51234 reason=denied}.
     * Fields come after the message as {@code key=value} (quoted when they hold spaces or quotes); an error is the
     * {@code error} field, its stack trace follows on the next lines only at debug.
     */
    static final class TextFormatter extends Formatter {
        private static final DateTimeFormatter HCLOG_TIME =
                DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);
        private final boolean stackTraces;

        TextFormatter(Level level) {
            this.stackTraces = showsStackTraces(level);
        }

        @Override
        public String format(LogRecord r) {
            StringBuilder sb = new StringBuilder(128);
            sb.append(HCLOG_TIME.format(r.getInstant())).append(' ');
            String level = "[" + levelName(r.getLevel()) + "]";
            sb.append(level).append(" ".repeat(8 - level.length()));
            sb.append(module(r.getLoggerName())).append(": ");
            sb.append(oneLine(scrub(formatMessage(r))));
            LogFields fields = LogFields.of(r);
            Throwable t = r.getThrown();
            if (fields != null || t != null) {
                sb.append(':');
            }
            if (fields != null) {
                for (var e : fields.entries()) {
                    sb.append(' ').append(e.getKey()).append('=');
                    textValue(sb, oneLine(scrub(String.valueOf(e.getValue()))));
                }
            }
            if (t != null) {
                sb.append(" error=");
                textValue(sb, oneLine(scrub(causeChain(t))));
                if (stackTraces) {
                    sb.append(System.lineSeparator()).append(scrub(stackTrace(t)).stripTrailing());
                }
            }
            return sb.append(System.lineSeparator()).toString();
        }

        /** As hclog: bare when the value has no space, quote or equals sign, else a quoted string. */
        private static void textValue(StringBuilder sb, String v) {
            boolean bare = !v.isEmpty();
            for (int i = 0; i < v.length() && bare; i++) {
                char c = v.charAt(i);
                bare = c > ' ' && c != '"' && c != '=';
            }
            if (bare) {
                sb.append(v);
            } else {
                quote(sb, v);
            }
        }
    }

    /**
     * One JSON object per line with hclog's keys, which log shippers already map for Consul's own logs:
     * {@code {"@timestamp":"…","@level":"info","@module":"proxy.inbound","@message":"…", <fields>, "error":"…"}};
     * the stack trace as {@code "stacktrace"} only at debug, as in the text format.
     */
    static final class JsonFormatter extends Formatter {
        private static final DateTimeFormatter HCLOG_JSON_TIME =
                DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSSXXX").withZone(ZoneOffset.UTC);
        private static final Set<String> RESERVED = Set.of("@timestamp", "@level", "@module", "@message", "error",
                "stacktrace");
        private final boolean stackTraces;

        JsonFormatter(Level level) {
            this.stackTraces = showsStackTraces(level);
        }

        @Override
        public String format(LogRecord r) {
            StringBuilder sb = new StringBuilder(160);
            sb.append("{\"@timestamp\":");
            quote(sb, HCLOG_JSON_TIME.format(r.getInstant()));
            sb.append(",\"@level\":");
            quote(sb, levelName(r.getLevel()).toLowerCase(java.util.Locale.ROOT));
            sb.append(",\"@module\":");
            quote(sb, module(r.getLoggerName()));
            sb.append(",\"@message\":");
            quote(sb, scrub(formatMessage(r)));
            LogFields fields = LogFields.of(r);
            if (fields != null) {
                for (var e : fields.entries()) {
                    sb.append(',');
                    // a field may not overwrite the line's own keys: a shipper would see two values for one key
                    quote(sb, RESERVED.contains(e.getKey()) ? "field_" + e.getKey() : e.getKey());
                    sb.append(':');
                    jsonValue(sb, e.getValue());
                }
            }
            if (r.getThrown() != null) {
                sb.append(",\"error\":");
                quote(sb, scrub(causeChain(r.getThrown())));
                if (stackTraces) {
                    sb.append(",\"stacktrace\":");
                    quote(sb, scrub(stackTrace(r.getThrown())));
                }
            }
            return sb.append('}').append('\n').toString();
        }

        private static void jsonValue(StringBuilder sb, Object v) {
            if (v instanceof Number n && Double.isFinite(n.doubleValue())) {
                sb.append(n);
            } else if (v instanceof Boolean b) {
                sb.append(b);
            } else {
                quote(sb, scrub(String.valueOf(v)));
            }
        }
    }

    /**
     * The hclog module of a logger: {@code proxy.<package>} for the proxy's own classes (the package is the
     * component: inbound, upstream, identity, …), {@code netty} and {@code vertx} for those libraries, else the
     * logger's name.
     */
    static String module(String logger) {
        if (logger == null || logger.isEmpty()) {
            return "proxy";
        }
        if (logger.startsWith(OWN_PREFIX)) {
            String rest = logger.substring(OWN_PREFIX.length());
            int dot = rest.indexOf('.');
            return "proxy." + (dot < 0 ? rest : rest.substring(0, dot));
        }
        if (logger.startsWith("io.netty.")) {
            return "netty";
        }
        if (logger.startsWith("io.vertx.")) {
            return "vertx";
        }
        return logger;
    }

    /** Stack traces are for debugging: printed at debug and trace only, in both formats. */
    private static boolean showsStackTraces(Level handlerLevel) {
        return handlerLevel.intValue() <= Level.FINE.intValue();
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
