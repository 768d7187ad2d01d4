package io.connectproxy.admin;

import io.connectproxy.config.LaunchConfig;
import io.connectproxy.config.ProxyConfig;
import io.connectproxy.config.ShutdownTiming;
import io.connectproxy.config.UpstreamConfig;
import io.connectproxy.consul.AgentSettings;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.Map;
import java.util.regex.Pattern;

/**
 * The JSON of {@code /config}: how the proxy was launched and the proxy config it runs now, with every secret
 * replaced by {@value #REDACTED}. Two layers: known secret fields (the agent token, the managed proxy token) and,
 * because the opaque {@code config} maps may hold anything, any key that looks like a secret and any string that
 * contains the token itself.
 */
public final class RunningConfig {
    public static final String REDACTED = "<redacted>";
    /** Keys in opaque maps whose values are never shown. Paths such as {@code ca_file} stay visible. */
    private static final Pattern SECRET_KEY = Pattern.compile(
            "(?i).*(token|secret|password|passwd|private|credential|key_pem|keypem|^key$|_key$|apikey|api_key).*");

    private RunningConfig() {
    }

    /** @param proxy the config in use, or null while the first one is awaited */
    public static JsonObject toJson(LaunchConfig launch, ProxyConfig proxy) {
        JsonObject out = new JsonObject()
                .put("source", source(launch.source()))
                .put("consul", agent(launch.agent()))
                .put("admin", new JsonObject().put("bind", launch.adminEnabled() ? launch.adminBind().toString()
                        : LaunchConfig.ADMIN_OFF))
                .put("log", new JsonObject().put("level", launch.logLevel().name().toLowerCase())
                        .put("json", launch.logJson()))
                .put("conf_file", launch.configFile())
                .put("proxy", proxy == null ? null : proxy(proxy));
        String token = launch.agent().token();
        String managedToken = launch.source().token();
        return (JsonObject) scrub(out, token, managedToken);
    }

    private static JsonObject source(LaunchConfig.Source s) {
        return new JsonObject().put("kind", s.kind().name().toLowerCase()).put("id", s.id())
                .put("token", s.token() == null ? null : REDACTED);
    }

    private static JsonObject agent(AgentSettings a) {
        return new JsonObject()
                .put("http_addr", a.httpAddr())
                .put("ssl", a.ssl())
                .put("token", a.hasToken() ? REDACTED : null)
                .put("ca_file", a.caFile())
                .put("ca_path", a.caPath())
                .put("client_cert", a.clientCert())
                .put("client_key", a.clientKey() == null ? null : a.clientKey())
                .put("tls_server_name", a.tlsServerName())
                .put("ssl_verify", a.sslVerify())
                .put("datacenter", a.datacenter());
    }

    private static JsonObject proxy(ProxyConfig p) {
        JsonArray upstreams = new JsonArray();
        for (UpstreamConfig u : p.upstreams()) {
            upstreams.add(new JsonObject()
                    .put("destination_type", u.destinationType().wireName())
                    .put("destination_name", u.destinationName())
                    .put("destination_namespace", u.destinationNamespace())
                    .put("datacenter", u.datacenter())
                    .put("local_bind_address", u.localBindAddress())
                    .put("local_bind_port", u.isUnixSocket() ? null : u.localBindPort())
                    .put("local_bind_socket_path", u.localBindSocketPath())
                    .put("connect_timeout_ms", u.connectTimeoutMs())
                    .put("balancer", u.balancer().wireName())
                    .put("config", u.config()));
        }
        ShutdownTiming t = p.tuning().shutdown();
        JsonObject shutdown = new JsonObject().put(ShutdownTiming.SHUTDOWN_GRACE_MS, t.shutdownGrace().toMillis())
                .put(ShutdownTiming.DRAIN_TIMEOUT_MS, t.drainTimeout().toMillis());
        return new JsonObject()
                .put("source", p.source())
                .put("service_name", p.serviceName())
                .put("service_id", p.serviceId())
                .put("datacenter", p.datacenter())
                .put("public_listener", p.hasPublicListener() ? p.publicListenerKey() : null)
                .put("local_service", p.localServiceKey())
                .put("local_connect_timeout_ms", p.localConnectTimeoutMs())
                .put("handshake_timeout_ms", p.handshakeTimeoutMs())
                .put("idle_timeout_ms", p.idleTimeoutMs())
                .put("authz_recheck_interval_ms", p.authzRecheckIntervalMs())
                .put("shutdown", shutdown)
                .put("upstreams", upstreams)
                .put("config", p.opaqueConfig());
    }

    /** Walks the tree: secret-looking keys and any string holding a token are replaced. */
    static Object scrub(Object value, String... secrets) {
        if (value instanceof JsonObject o) {
            JsonObject out = new JsonObject();
            for (Map.Entry<String, Object> e : o) {
                Object v = e.getValue();
                boolean hide = v != null && !(v instanceof Boolean) && SECRET_KEY.matcher(e.getKey()).matches()
                        && !REDACTED.equals(v) && !isPath(e.getKey());
                out.put(e.getKey(), hide ? REDACTED : scrub(v, secrets));
            }
            return out;
        }
        if (value instanceof JsonArray a) {
            JsonArray out = new JsonArray();
            a.forEach(v -> out.add(scrub(v, secrets)));
            return out;
        }
        if (value instanceof String s) {
            for (String secret : secrets) {
                if (secret != null && !secret.isEmpty() && s.contains(secret)) {
                    return REDACTED;
                }
            }
        }
        return value;
    }

    /** {@code client_key}, {@code key_file}: where a key lives is useful to see; the key itself never is. */
    private static boolean isPath(String key) {
        String k = key.toLowerCase();
        return k.equals("client_key") || k.endsWith("_file") || k.endsWith("_path");
    }
}
