package io.connectproxy.logging;


import io.connectproxy.config.LogLevel;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LoggingTest {

    private static String format(Handler h, ByteArrayOutputStream out, LogRecord r) {
        out.reset();
        h.publish(r);
        return out.toString(StandardCharsets.UTF_8);
    }

    private static LogRecord record(Level level, String msg) {
        LogRecord r = new LogRecord(level, msg);
        r.setLoggerName("io.connectproxy.config.ConfigWatcherVerticle");
        return r;
    }

    @Test
    void jsonLinesEscapeEverythingAndParseBack() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Handler h = Logging.handler(Level.INFO, true, out);
        String nasty = "quote \" backslash \\ newline \n tab \t bell \u0007 unicode é \u2028 end";
        LogRecord r = record(Level.WARNING, nasty);
        r.setThrown(new IllegalStateException("boom \"x\"", new RuntimeException("root")));
        String line = format(h, out, r);
        assertTrue(line.endsWith("\n"));
        assertEquals(1, line.split("\n", -1).length - 1, "exactly one line: " + line);
        JsonObject json = new JsonObject(line);
        assertEquals(nasty, json.getString("message"));
        assertEquals("WARN", json.getString("level"));
        assertEquals("io.connectproxy.config.ConfigWatcherVerticle", json.getString("logger"));
        assertEquals("java.lang.IllegalStateException: boom \"x\"; caused by java.lang.RuntimeException: root",
                json.getString("error"));
        assertTrue(json.getString("stack").contains("LoggingTest"));
        assertTrue(json.getString("time").endsWith("Z"));
    }

    @Test
    void textIsOneLinePerEventWithoutStackTracesAtInfo() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Handler h = Logging.handler(Level.INFO, false, out);
        LogRecord r = record(Level.SEVERE, "two\nlines");
        r.setThrown(new IllegalStateException("boom"));
        String line = format(h, out, r);
        assertTrue(line.matches("\\d{4}-\\d\\d-\\d\\dT[^ ]+Z ERROR ConfigWatcherVerticle: two\\\\nlines "
                + "\\(java.lang.IllegalStateException: boom\\)\\R"), line);

        Handler debug = Logging.handler(Level.FINE, false, out);
        String withStack = format(debug, out, r);
        assertTrue(withStack.contains("\tat io.connectproxy.logging.LoggingTest"), withStack);
    }

    @Test
    void handlerLevelFiltersAndLevelsMapToJul() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Handler h = Logging.handler(Logging.julLevel(LogLevel.WARN), false, out);
        assertEquals("", format(h, out, record(Level.INFO, "hidden")));
        assertFalse(format(h, out, record(Level.WARNING, "shown")).isEmpty());
        assertEquals(Level.FINEST, Logging.julLevel(LogLevel.TRACE));
        assertEquals(Level.FINE, Logging.julLevel(LogLevel.DEBUG));
        assertEquals(Level.SEVERE, Logging.julLevel(LogLevel.ERROR));
        assertEquals("DEBUG", Logging.levelName(Level.FINE));
        assertEquals("TRACE", Logging.levelName(Level.FINER));
    }

    @Test
    void parametersAreFormatted() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Handler h = Logging.handler(Level.INFO, true, out);
        LogRecord r = record(Level.INFO, "listening on {0}");
        r.setParameters(new Object[] {"127.0.0.1:21000"});
        assertEquals("listening on 127.0.0.1:21000", new JsonObject(format(h, out, r)).getString("message"));
    }
}
