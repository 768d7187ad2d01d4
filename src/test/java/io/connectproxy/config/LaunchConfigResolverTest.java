package io.connectproxy.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LaunchConfigResolverTest {
    @TempDir
    Path dir;

    private static LaunchConfig resolve(Map<String, String> flags, Map<String, String> env) {
        return LaunchConfigResolver.resolve(flags, List.of(), env);
    }

    private static String error(Map<String, String> flags, List<String> upstreams, Map<String, String> env) {
        return assertThrows(ConfigException.class, () -> LaunchConfigResolver.resolve(flags, upstreams, env))
                .getMessage();
    }

    private String file(String json) throws IOException {
        Path p = Files.createTempFile(dir, "conf", ".json");
        Files.writeString(p, json);
        return p.toString();
    }

    private String tokenFile(String token) throws IOException {
        Path p = Files.createTempFile(dir, "token", "");
        Files.writeString(p, token + "\n");
        return p.toString();
    }

    @Test
    void defaultsWithSidecarFor() {
        LaunchConfig c = resolve(Map.of("sidecar-for", "web"), Map.of());
        assertEquals(LaunchConfig.Kind.SIDECAR_FOR, c.source().kind());
        assertEquals("web", c.source().id());
        assertEquals("127.0.0.1:8500", c.agent().httpAddr());
        assertFalse(c.agent().hasToken());
        assertEquals(LaunchConfig.DEFAULT_ADMIN_BIND, c.adminBind());
        assertEquals("127.0.0.1:19100", c.adminBind().toString());
        assertFalse(c.adminBindChosen(), "the default admin address is nobody's choice: it may fall back");
        assertTrue(resolve(Map.of("sidecar-for", "web", "admin-bind", "127.0.0.1:19100"), Map.of())
                .adminBindChosen(), "-admin-bind, even to the default address, is a choice");
        assertEquals(LogLevel.INFO, c.logLevel());
        assertFalse(c.logJson());
        assertNull(c.configFile());
    }

    @Test
    void fileSourceCarriesTheParsedConfigAndPath() throws IOException {
        String path = file(WatcherTestSupport.EXAMPLE);
        LaunchConfig c = resolve(Map.of("conf", path, "datacenter", "dc7"), Map.of());
        assertEquals(LaunchConfig.Kind.FILE, c.source().kind());
        assertEquals("web", c.source().staticConfig().serviceName());
        assertEquals("dc7", c.source().staticConfig().datacenter());
        assertEquals("file:" + path, c.source().staticConfig().source());
        assertEquals(path, c.configFile());
    }

    @Test
    void serviceFlagsBuildAStaticConfig() {
        LaunchConfig c = LaunchConfigResolver.resolve(Map.of("service", "web", "listen", ":21000",
                "service-addr", "127.0.0.1:8080"), List.of("redis:1234", "db.query:127.0.0.2:5432"), Map.of());
        assertEquals(LaunchConfig.Kind.FLAGS, c.source().kind());
        ProxyConfig p = c.source().staticConfig();
        assertEquals("web", p.serviceName());
        assertEquals("0.0.0.0:21000", p.publicListenerKey());
        assertEquals("127.0.0.1:8080", p.localServiceKey());
        assertEquals(List.of("127.0.0.1:1234", "127.0.0.2:5432"),
                p.upstreams().stream().map(UpstreamConfig::listenerKey).toList());
        assertEquals("flags", p.source());

        ProxyConfig upstreamOnly = LaunchConfigResolver.resolve(Map.of("service", "web"), List.of("redis:1234"),
                Map.of()).source().staticConfig();
        assertFalse(upstreamOnly.hasPublicListener());
        assertEquals(ProxyConfig.NO_PUBLIC_LISTENER, upstreamOnly.bindPort());
    }

    @Test
    void precedenceFlagOverFileOverEnv() throws IOException {
        String path = file("""
                {"sidecar_for": "from-file", "consul": {"http_addr": "file:8500", "datacenter": "dc-file"},
                 "admin": {"bind": "127.0.0.1:19200"}, "log": {"level": "warn", "json": true}}
                """);
        Map<String, String> env = Map.of("CONSUL_HTTP_ADDR", "env:8500", "CONNECT_SIDECAR_FOR", "from-env");

        LaunchConfig fileWins = resolve(Map.of("conf", path), env);
        assertEquals("from-file", fileWins.source().id());
        assertEquals("file:8500", fileWins.agent().httpAddr());
        assertEquals("dc-file", fileWins.agent().datacenter());
        assertEquals("127.0.0.1:19200", fileWins.adminBind().toString());
        assertTrue(fileWins.adminBindChosen(), "admin.bind in the file is a choice");
        assertEquals(LogLevel.WARN, fileWins.logLevel());
        assertTrue(fileWins.logJson(), () -> String.valueOf(fileWins));

        Map<String, String> flags = new HashMap<>(Map.of("conf", path, "sidecar-for", "from-flag",
                "http-addr", "flag:8500", "admin-bind", "off", "log-level", "ERROR", "log-json", "false"));
        LaunchConfig flagWins = resolve(flags, env);
        assertEquals("from-flag", flagWins.source().id());
        assertEquals("flag:8500", flagWins.agent().httpAddr());
        assertNull(flagWins.adminBind());
        assertFalse(flagWins.adminEnabled());
        assertEquals(LogLevel.ERROR, flagWins.logLevel());
        assertFalse(flagWins.logJson());

        LaunchConfig envOnly = resolve(Map.of(), env);
        assertEquals(LaunchConfig.Kind.SIDECAR_FOR, envOnly.source().kind());
        assertEquals("from-env", envOnly.source().id());
        assertEquals("env:8500", envOnly.agent().httpAddr());

        // a -proxy-id flag beats a file's service block: flag > file for the source too
        String serviceFile = file(WatcherTestSupport.EXAMPLE);
        assertEquals(LaunchConfig.Kind.PROXY_ID, resolve(Map.of("conf", serviceFile, "proxy-id", "p"), env)
                .source().kind());
        assertEquals(LaunchConfig.Kind.FILE, resolve(Map.of("conf", serviceFile), env).source().kind());
    }

    @Test
    void tokenOrderFlagFileFlagFileFileTokenEnvEnvFile() throws IOException {
        String flagTokenFile = tokenFile("t-flag-file");
        String fileTokenFile = tokenFile("t-file-file");
        String envTokenFile = tokenFile("t-env-file");
        String all = file("{\"sidecar_for\":\"web\",\"consul\":{\"token\":\"t-file\",\"token_file\":\""
                + fileTokenFile + "\"}}");
        String onlyTokenFile = file("{\"sidecar_for\":\"web\",\"consul\":{\"token_file\":\"" + fileTokenFile + "\"}}");
        String none = file("{\"sidecar_for\":\"web\"}");
        Map<String, String> env = Map.of("CONSUL_HTTP_TOKEN", "t-env", "CONSUL_HTTP_TOKEN_FILE", envTokenFile,
                "CONNECT_PROXY_TOKEN", "t-proxy");

        assertEquals("t-flag", resolve(Map.of("conf", all, "token", "t-flag", "token-file", flagTokenFile), env)
                .agent().token());
        assertEquals("t-file", resolve(Map.of("conf", all, "token-file", flagTokenFile), env).agent().token());
        assertEquals("t-flag-file", resolve(Map.of("conf", onlyTokenFile, "token-file", flagTokenFile), env)
                .agent().token());
        assertEquals("t-file-file", resolve(Map.of("conf", onlyTokenFile), env).agent().token());
        assertEquals("t-env", resolve(Map.of("conf", none), env).agent().token());
        assertEquals("t-env-file", resolve(Map.of("conf", none), Map.of("CONSUL_HTTP_TOKEN_FILE", envTokenFile))
                .agent().token());
        // the managed-proxy token is the last resort, as in `consul connect proxy`
        assertEquals("t-proxy", resolve(Map.of("conf", none), Map.of("CONNECT_PROXY_TOKEN", "t-proxy"))
                .agent().token());
    }

    @Test
    void proxyIdFromEnvWithTokenIsALegacyManagedProxy() {
        LaunchConfig managed = resolve(Map.of(), Map.of("CONNECT_PROXY_ID", "web-proxy",
                "CONNECT_PROXY_TOKEN", "secret-token"));
        assertEquals(LaunchConfig.Kind.MANAGED_PROXY, managed.source().kind());
        assertEquals("web-proxy", managed.source().id());
        assertEquals("secret-token", managed.source().token());
        assertFalse(managed.toString().contains("secret-token"), managed.toString());
        assertTrue(managed.toString().contains("<redacted>"), () -> String.valueOf(managed.toString()));

        LaunchConfig plain = resolve(Map.of(), Map.of("CONNECT_PROXY_ID", "web-sidecar-proxy"));
        assertEquals(LaunchConfig.Kind.PROXY_ID, plain.source().kind());
        // an explicit flag is not a managed proxy even when the agent launched us with a token
        assertEquals(LaunchConfig.Kind.PROXY_ID, resolve(Map.of("proxy-id", "x"),
                Map.of("CONNECT_PROXY_ID", "y", "CONNECT_PROXY_TOKEN", "t")).source().kind());
    }

    @Test
    void toStringNeverShowsTokens() {
        LaunchConfig c = resolve(Map.of("sidecar-for", "web", "token", "very-secret"), Map.of());
        assertEquals("very-secret", c.agent().token());
        assertFalse(c.toString().contains("very-secret"), c.toString());
    }

    @Test
    void conflictsAndMissingPiecesAreClearErrors() throws IOException {
        assertEquals("-sidecar-for: cannot be combined with -proxy-id (each names where the proxy config comes "
                + "from; give one)", error(Map.of("sidecar-for", "a", "proxy-id", "b"), List.of(), Map.of()));
        assertEquals("-proxy-id: cannot be combined with -service (each names where the proxy config comes from; "
                + "give one)", error(Map.of("service", "a", "proxy-id", "b"), List.of(), Map.of()));
        assertEquals("arguments: nothing to proxy: give -conf FILE, -sidecar-for SERVICE-ID, -proxy-id PROXY-ID or "
                + "-service NAME (see -h)", error(Map.of(), List.of(), Map.of()));
        assertEquals("-listen: needs -service-addr (the local app the public listener forwards to)",
                error(Map.of("service", "web", "listen", ":21000"), List.of(), Map.of()));
        assertEquals("-service-addr: needs -listen (the public listener that forwards to it)",
                error(Map.of("service", "web", "service-addr", ":8080"), List.of(), Map.of()));
        assertEquals("-service: needs -listen and -service-addr, or at least one -upstream (otherwise there is "
                + "nothing to proxy)", error(Map.of("service", "web"), List.of(), Map.of()));
        assertTrue(error(Map.of("sidecar-for", "web"), List.of("redis:1"), Map.of())
                .startsWith("-upstream: only used with -service"));
        assertTrue(error(Map.of("sidecar-for", "web", "listen", ":1"), List.of(), Map.of())
                .startsWith("-listen: only used with -service"));
        assertEquals("-upstream \"b:1234\": 127.0.0.1:1234 is already used by -upstream \"a:1234\"",
                error(Map.of("service", "web"), List.of("a:1234", "b:1234"), Map.of()));
        assertEquals("-sidecar-for: must not be empty", error(Map.of("sidecar-for", ""), List.of(), Map.of()));
        assertEquals("CONNECT_SIDECAR_FOR: cannot be combined with CONNECT_PROXY_ID (set one)",
                error(Map.of(), List.of(), Map.of("CONNECT_SIDECAR_FOR", "a", "CONNECT_PROXY_ID", "b")));
        assertEquals("-admin-bind: port must be 1-65535, got 0",
                error(Map.of("sidecar-for", "a", "admin-bind", "127.0.0.1:0"), List.of(), Map.of()));
        assertEquals("-log-level: must be one of trace, debug, info, warn, error, got \"verbose\"",
                error(Map.of("sidecar-for", "a", "log-level", "verbose"), List.of(), Map.of()));
        assertEquals("-listen: must be host:port, got \"21000\"",
                error(Map.of("service", "w", "listen", "21000", "service-addr", ":1"), List.of(), Map.of()));
        assertTrue(error(Map.of("conf", dir.resolve("missing.json").toString()), List.of(), Map.of())
                .startsWith("-conf: file not found: "));
        String file = file("{\"sidecar_for\":\"web\",\"admin\":{\"bind\":\"nohost\"}}");
        assertEquals("admin.bind: must be host:port, got \"nohost\"", error(Map.of("conf", file), List.of(), Map.of()));
    }

    @Test
    void agentSettingsFromEnvAreValidated() {
        assertEquals("CONSUL_HTTP_ADDR: unsupported scheme in ftp://x (use host:port, http://, https:// or unix://)",
                error(Map.of("sidecar-for", "a"), List.of(), Map.of("CONSUL_HTTP_ADDR", "ftp://x")));
        LaunchConfig c = resolve(Map.of("sidecar-for", "a"), Map.of("CONSUL_HTTP_ADDR", "unix:///run/consul.sock"));
        assertEquals("unix:///run/consul.sock", c.agent().httpAddr());
        assertSame(LaunchConfig.Kind.SIDECAR_FOR, c.source().kind());
    }
}
