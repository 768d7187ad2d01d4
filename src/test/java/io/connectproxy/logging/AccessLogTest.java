package io.connectproxy.logging;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.Logger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The access log's switch (config key, flag) and its lines in both formats, through the product's handlers. */
class AccessLogTest {
    private final Logger logger = Logger.getLogger(AccessLog.LOGGER_NAME);
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private Handler handler;

    private String lines(boolean json) {
        handler = Logging.handler(Level.INFO, json, out);
        logger.addHandler(handler);
        return "";
    }

    @AfterEach
    void detach() {
        if (handler != null) {
            logger.removeHandler(handler);
        }
    }

    private static void oneConnection(AccessLog log) {
        log.connectionEnded("public", "10.0.0.7:51234", "spiffe://td.consul/ns/default/dc/dc1/svc/web", "echo",
                "127.0.0.1:9191", 800_000, 12, Duration.ofMillis(8021), "completed");
    }

    @Test
    void offUnlessTheConfigOrTheFlagTurnsItOn() {
        lines(false);
        AccessLog log = new AccessLog();
        oneConnection(log);
        assertEquals("", out.toString(StandardCharsets.UTF_8), "off by default");

        log.follow(new JsonObject().put("access_log", true));
        assertTrue(log.enabled(), "access_log: true");
        log.follow(new JsonObject().put("access_log", "true"));
        assertTrue(log.enabled(), "access_log: \"true\" (Consul's string-typed config)");
        log.follow(new JsonObject().put("access_log", false));
        assertFalse(log.enabled(), "access_log: false");
        log.follow(new JsonObject());
        assertFalse(log.enabled(), "a config without the key turns it off again");
        log.enableByFlag();
        log.follow(new JsonObject().put("access_log", false));
        assertTrue(log.enabled(), "-access-log wins over the config");
    }

    @Test
    void jsonLineCarriesTheConnectionsFactsAsKeys() {
        lines(true);
        AccessLog log = new AccessLog();
        log.enableByFlag();
        oneConnection(log);
        String text = out.toString(StandardCharsets.UTF_8);
        assertEquals(1, text.split("\n").length, text);
        JsonObject line = new JsonObject(text);
        assertEquals("proxy.access", line.getString("@module"), text);
        assertEquals("info", line.getString("@level"), text);
        assertEquals("connection ended", line.getString("@message"), text);
        assertEquals("public", line.getString("listener"), text);
        assertEquals("10.0.0.7:51234", line.getString("peer"), text);
        assertEquals("spiffe://td.consul/ns/default/dc/dc1/svc/web", line.getString("spiffe_id"), text);
        assertEquals("echo", line.getString("destination"), text);
        assertEquals("127.0.0.1:9191", line.getString("endpoint"), text);
        assertEquals(800_000L, line.getLong("bytes_in"), text);
        assertEquals(12L, line.getLong("bytes_out"), text);
        assertEquals(8021L, line.getLong("duration_ms"), text);
        assertEquals("completed", line.getString("reason"), text);
    }

    @Test
    void textLineReadsLikeConsuls() {
        lines(false);
        AccessLog log = new AccessLog();
        log.enableByFlag();
        oneConnection(log);
        String text = out.toString(StandardCharsets.UTF_8);
        assertTrue(text.matches("\\S+ \\[INFO]  proxy\\.access: connection ended: listener=public "
                + "peer=10\\.0\\.0\\.7:51234 spiffe_id=spiffe://td\\.consul/ns/default/dc/dc1/svc/web destination=echo "
                + "endpoint=127\\.0\\.0\\.1:9191 bytes_in=800000 bytes_out=12 duration_ms=8021 reason=completed\\n"),
                text);
    }
}
