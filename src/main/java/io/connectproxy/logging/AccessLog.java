package io.connectproxy.logging;

import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The optional access log: one INFO line per proxied connection when it ends, on the logger
 * {@value #LOGGER_NAME} (module {@code proxy.access}), with the facts as fields: listener, peer, spiffe_id,
 * destination, endpoint, bytes_in, bytes_out, duration_ms, reason. It goes where the other log lines go, in the
 * same format (hclog text, or JSON with {@code -log-json}), so a shipper needs nothing more. Off unless the proxy
 * config says {@code "access_log": true} or the proxy was started with {@code -access-log}. One per proxy runtime.
 */
public final class AccessLog {
    public static final String LOGGER_NAME = "io.connectproxy.access";
    /** The proxy config key that turns it on. */
    public static final String CONFIG_KEY = "access_log";
    private static final Logger LOG = Logger.getLogger(LOGGER_NAME);

    private volatile boolean byFlag;
    private volatile boolean byConfig;

    /** {@code -access-log}: on whatever the proxy config says. */
    public void enableByFlag() {
        byFlag = true;
    }

    /**
     * Follows the proxy config map's {@code access_log}: true (or "true") turns it on, anything else leaves it
     * off; called with each config applied.
     */
    public void follow(JsonObject proxyConfig) {
        Object v = proxyConfig == null ? null : proxyConfig.getValue(CONFIG_KEY);
        byConfig = Boolean.TRUE.equals(v) || (v instanceof String s && s.trim().equalsIgnoreCase("true"));
    }

    public boolean enabled() {
        return byFlag || byConfig;
    }

    /**
     * One connection ended. {@code bytesIn} came from the connecting client, {@code bytesOut} went to it;
     * {@code spiffeId} is the client's on the public listener, null on an upstream listener (the client is the
     * local app); {@code endpoint} is the address the connection was forwarded to.
     */
    public void connectionEnded(String listener, String peer, String spiffeId, String destination, String endpoint,
                                long bytesIn, long bytesOut, Duration duration, String reason) {
        if (!enabled()) {
            return;
        }
        LogFields.log(LOG, Level.INFO, "connection ended", "listener", listener, "peer", peer,
                "spiffe_id", spiffeId, "destination", destination, "endpoint", endpoint, "bytes_in", bytesIn,
                "bytes_out", bytesOut, "duration_ms", duration.toMillis(), "reason", reason);
    }
}
