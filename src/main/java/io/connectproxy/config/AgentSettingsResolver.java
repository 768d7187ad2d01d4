package io.connectproxy.config;

import io.connectproxy.consul.AgentAddress;
import io.connectproxy.consul.AgentSettings;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

/**
 * Resolves how to reach the agent from the HTTP flags, the file's {@code consul} block and the environment, with
 * the precedence flag &gt; file &gt; env &gt; default. Shared by the proxy and envoy modes so both read the same
 * names ({@code -http-addr}, {@code CONSUL_HTTP_ADDR}, …). Token files are read here, once, at start-up.
 */
public final class AgentSettingsResolver {
    /** Flag names (without the dash) this resolver reads. */
    public static final Set<String> VALUE_FLAGS = Set.of("http-addr", "token", "token-file", "ca-file", "ca-path",
            "client-cert", "client-key", "tls-server-name", "datacenter");
    /** Keys allowed in the file's {@code consul} block. */
    public static final Set<String> FILE_KEYS = Set.of("http_addr", "token", "token_file", "ca_file", "ca_path",
            "client_cert", "client_key", "tls_server_name", "datacenter", "ssl", "ssl_verify");

    private AgentSettingsResolver() {
    }

    /**
     * @param flags      flag name (no dash) → value, only the flags given
     * @param consulFile the file's {@code consul} block, or null
     * @param env        the process environment
     */
    public static AgentSettings resolve(Map<String, String> flags, JsonObject consulFile, Map<String, String> env) {
        JsonObject file = consulFile == null ? new JsonObject() : consulFile;
        for (String key : file.fieldNames()) {
            if (!FILE_KEYS.contains(key)) {
                throw new ConfigException("consul." + key, "unknown key (allowed: " + String.join(", ",
                        FILE_KEYS.stream().sorted().toList()) + ")");
            }
        }
        String httpAddr = pick(flags, "http-addr", file, "http_addr", env, "CONSUL_HTTP_ADDR");
        Source addrSource = source(flags, "http-addr", file, "http_addr", env, "CONSUL_HTTP_ADDR");
        boolean ssl = bool(file, "ssl", env, "CONSUL_HTTP_SSL", false);
        boolean verify = bool(file, "ssl_verify", env, "CONSUL_HTTP_SSL_VERIFY", true);
        if (httpAddr == null) {
            httpAddr = AgentSettings.DEFAULT_HTTP_ADDR;
        }
        try {
            AgentAddress.parse(httpAddr, ssl, addrSource.name);
        } catch (AgentAddress.Invalid e) {
            throw new ConfigException(addrSource.name, e.problem());
        }
        String token = resolveToken(flags, file, env);
        String caFile = pick(flags, "ca-file", file, "ca_file", env, "CONSUL_CACERT");
        String caPath = pick(flags, "ca-path", file, "ca_path", env, "CONSUL_CAPATH");
        String clientCert = pick(flags, "client-cert", file, "client_cert", env, "CONSUL_CLIENT_CERT");
        String clientKey = pick(flags, "client-key", file, "client_key", env, "CONSUL_CLIENT_KEY");
        String serverName = pick(flags, "tls-server-name", file, "tls_server_name", env, "CONSUL_TLS_SERVER_NAME");
        String datacenter = pick(flags, "datacenter", file, "datacenter", env, null);
        requireFile(caFile, source(flags, "ca-file", file, "ca_file", env, "CONSUL_CACERT"));
        requireDirectory(caPath, source(flags, "ca-path", file, "ca_path", env, "CONSUL_CAPATH"));
        requireFile(clientCert, source(flags, "client-cert", file, "client_cert", env, "CONSUL_CLIENT_CERT"));
        requireFile(clientKey, source(flags, "client-key", file, "client_key", env, "CONSUL_CLIENT_KEY"));
        return new AgentSettings(httpAddr, ssl, token, caFile, caPath, clientCert, clientKey, serverName, verify,
                datacenter);
    }

    /** Token sources, highest first: -token, file token, -token-file, file token_file, CONSUL_HTTP_TOKEN, CONSUL_HTTP_TOKEN_FILE. */
    private static String resolveToken(Map<String, String> flags, JsonObject file, Map<String, String> env) {
        if (nonEmpty(flags.get("token"))) {
            return flags.get("token");
        }
        if (nonEmpty(file.getString("token"))) {
            return file.getString("token");
        }
        if (nonEmpty(flags.get("token-file"))) {
            return readToken(flags.get("token-file"), "-token-file");
        }
        if (nonEmpty(file.getString("token_file"))) {
            return readToken(file.getString("token_file"), "consul.token_file");
        }
        if (nonEmpty(env.get("CONSUL_HTTP_TOKEN"))) {
            return env.get("CONSUL_HTTP_TOKEN");
        }
        if (nonEmpty(env.get("CONSUL_HTTP_TOKEN_FILE"))) {
            return readToken(env.get("CONSUL_HTTP_TOKEN_FILE"), "CONSUL_HTTP_TOKEN_FILE");
        }
        return null;
    }

    private static String readToken(String path, String source) {
        try {
            String token = Files.readString(Path.of(path), StandardCharsets.UTF_8).trim();
            if (token.isEmpty()) {
                throw new ConfigException(source, "token file is empty: " + path);
            }
            return token;
        } catch (IOException e) {
            throw new ConfigException(source, "cannot read token file " + path + ": " + e.getClass().getSimpleName());
        }
    }

    private record Source(String name) {
    }

    private static String pick(Map<String, String> flags, String flag, JsonObject file, String key,
                               Map<String, String> env, String envName) {
        if (nonEmpty(flags.get(flag))) {
            return flags.get(flag);
        }
        Object v = file.getValue(key);
        if (v != null) {
            if (!(v instanceof String s)) {
                throw new ConfigException("consul." + key, "must be a string, got " + v);
            }
            if (!s.isEmpty()) {
                return s;
            }
        }
        if (envName != null && nonEmpty(env.get(envName))) {
            return env.get(envName);
        }
        return null;
    }

    private static Source source(Map<String, String> flags, String flag, JsonObject file, String key,
                                 Map<String, String> env, String envName) {
        if (nonEmpty(flags.get(flag))) {
            return new Source("-" + flag);
        }
        if (file.getValue(key) != null) {
            return new Source("consul." + key);
        }
        return new Source(envName == null ? "-" + flag : envName);
    }

    private static boolean bool(JsonObject file, String key, Map<String, String> env, String envName,
                                boolean fallback) {
        Object v = file.getValue(key);
        if (v != null) {
            if (!(v instanceof Boolean b)) {
                throw new ConfigException("consul." + key, "must be true or false, got " + v);
            }
            return b;
        }
        String e = env.get(envName);
        if (e == null || e.isEmpty()) {
            return fallback;
        }
        // Go's strconv.ParseBool, which Consul uses for these variables
        return switch (e) {
            case "1", "t", "T", "true", "TRUE", "True" -> true;
            case "0", "f", "F", "false", "FALSE", "False" -> false;
            default -> throw new ConfigException(envName, "must be a boolean (true/false/1/0), got \"" + e + "\"");
        };
    }

    private static void requireFile(String path, Source source) {
        if (path != null && !Files.isReadable(Path.of(path))) {
            throw new ConfigException(source.name, "cannot read file " + path);
        }
    }

    private static void requireDirectory(String path, Source source) {
        if (path != null && !Files.isDirectory(Path.of(path))) {
            throw new ConfigException(source.name, "not a directory: " + path);
        }
    }

    private static boolean nonEmpty(String s) {
        return s != null && !s.isEmpty();
    }
}
