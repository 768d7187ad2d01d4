package io.connectproxy.logging;

import io.vertx.core.json.JsonObject;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;

/** A captured record as the proxy's {@code -log-json} handler writes it: one JSON object. */
public final class JsonLogLine {
    private JsonLogLine() {
    }

    public static JsonObject of(LogRecord record) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Handler h = Logging.handler(Level.ALL, true, out);
        h.publish(record);
        h.flush();
        String line = out.toString(StandardCharsets.UTF_8);
        if (line.isEmpty() || line.indexOf('\n') != line.length() - 1) {
            throw new AssertionError("not one line: \"" + line + "\"");
        }
        return new JsonObject(line);
    }
}
