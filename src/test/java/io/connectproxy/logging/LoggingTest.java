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
        assertTrue(line.endsWith("\n"), () -> String.valueOf(line));
        assertEquals(1, line.split("\n", -1).length - 1, "exactly one line: " + line);
        JsonObject json = new JsonObject(line);
        assertEquals(nasty, json.getString("@message"));
        assertEquals("warn", json.getString("@level"));
        assertEquals("proxy.config", json.getString("@module"));
        assertEquals("java.lang.IllegalStateException: boom \"x\"; caused by java.lang.RuntimeException: root",
                json.getString("error"));
        assertFalse(json.containsKey("stacktrace"), "stack traces only at debug: " + line);
        assertTrue(json.getString("@timestamp").matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6}Z"), line);

        String debug = format(Logging.handler(Level.FINE, true, out), out, r);
        assertTrue(new JsonObject(debug).getString("stacktrace").contains("LoggingTest"), debug);
    }

    @Test
    void textIsOneLinePerEventWithoutStackTracesAtInfo() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Handler h = Logging.handler(Level.INFO, false, out);
        LogRecord r = record(Level.SEVERE, "two\nlines");
        r.setThrown(new IllegalStateException("boom"));
        String line = format(h, out, r);
        assertTrue(line.matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z \\[ERROR\\] proxy.config: "
                + "two\\\\nlines: error=\"java.lang.IllegalStateException: boom\"\\R"), line);

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
        assertEquals("listening on 127.0.0.1:21000", new JsonObject(format(h, out, r)).getString("@message"));
    }

    @Test
    void fieldsAreKeyValuePairsInTextAndKeysInJson() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        LogRecord r = record(Level.INFO, "rejected connection");
        r.setLoggerName("io.connectproxy.inbound.InboundAcceptorVerticle");
        r.setParameters(new Object[] {LogFields.of("peer", "10.0.0.7:51234", "spiffe_id",
                "spiffe://x.consul/ns/default/dc/dc1/svc/web", "reason", "two words", "bytes", 42L, "absent", null,
                "@message", "cannot overwrite")});
        String text = format(Logging.handler(Level.INFO, false, out), out, r);
        assertTrue(text.matches("\\S+ \\[INFO\\]  proxy.inbound: rejected connection: peer=10.0.0.7:51234 "
                + "spiffe_id=spiffe://x.consul/ns/default/dc/dc1/svc/web reason=\"two words\" bytes=42 "
                + "@message=\"cannot overwrite\"\\R"), text);

        JsonObject json = new JsonObject(format(Logging.handler(Level.INFO, true, out), out, r));
        assertEquals("rejected connection", json.getString("@message"), json.encode());
        assertEquals("10.0.0.7:51234", json.getString("peer"), json.encode());
        assertEquals("two words", json.getString("reason"), json.encode());
        assertEquals(42L, json.getLong("bytes"), json.encode());
        assertFalse(json.containsKey("absent"), json.encode());
        assertEquals("cannot overwrite", json.getString("field_@message"), json.encode());
    }

    @Test
    void modulesNameTheComponentLikeConsulsLogs() {
        assertEquals("proxy.inbound", Logging.module("io.connectproxy.inbound.InboundAcceptorVerticle"));
        assertEquals("proxy.consul", Logging.module("io.connectproxy.consul.wire.WireReader"));
        assertEquals("netty", Logging.module("io.netty.handler.ssl.SslHandler"));
        assertEquals("vertx", Logging.module("io.vertx.core.impl.ContextImpl"));
        assertEquals("jdk.event.security", Logging.module("jdk.event.security"));
    }
}
