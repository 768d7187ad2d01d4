package io.connectproxy.config;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Set;

/**
 * The -conf file, split into its blocks: {@code service} (a static proxy config), {@code sidecar_for} /
 * {@code proxy_id} (take the config from the agent instead), and the proxy's own {@code consul}, {@code admin} and
 * {@code log} blocks. Unknown keys at the top level and in the proxy's own blocks are errors.
 *
 * @param service    the raw {@code service} block, or null
 * @param consul     the raw {@code consul} block for {@link AgentSettingsResolver}, or null
 * @param adminBind  {@code admin.bind}, or null
 * @param logLevel   {@code log.level}, or null
 * @param logJson    {@code log.json}, or null
 */
public record ConfigFile(String path, JsonObject service, String sidecarFor, String proxyId, JsonObject consul,
                         String adminBind, LogLevel logLevel, Boolean logJson) {

    private static final Set<String> TOP_KEYS = Set.of("service", "consul", "sidecar_for", "proxy_id", "admin", "log");

    /** Reads and parses the file. Blocking: call it at start-up or from a worker. */
    public static ConfigFile load(String path) {
        String text;
        try {
            text = Files.readString(Path.of(path), StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new ConfigException("-conf", "file not found: " + path);
        } catch (IOException | SecurityException e) {
            throw new ConfigException("-conf", "cannot read " + path + ": " + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : " " + e.getMessage()));
        }
        return parse(text, path);
    }

    /** Parses the file's text; {@code path} is used in messages and in {@link ProxyConfig#source()}. */
    public static ConfigFile parse(String text, String path) {
        return fromJson(decode(text, path), path);
    }

    public static JsonObject decode(String text, String path) {
        if (text.isBlank()) {
            throw new ConfigException("-conf", path + " is empty");
        }
        try {
            return new JsonObject(text);
        } catch (DecodeException | ClassCastException e) {
            throw new ConfigException("-conf", path + " is not a JSON object: " + shortJsonError(e));
        }
    }

    public static ConfigFile fromJson(JsonObject root, String path) {
        JsonFields top = JsonFields.of(root, "").allowOnly(TOP_KEYS);
        JsonObject service = top.object("service");
        String sidecarFor = top.string("sidecar_for");
        String proxyId = top.string("proxy_id");
        int sources = (service != null ? 1 : 0) + (sidecarFor != null ? 1 : 0) + (proxyId != null ? 1 : 0);
        if (sources > 1) {
            throw new ConfigException(service != null ? "service" : "sidecar_for", "only one of service, sidecar_for "
                    + "and proxy_id may be set (service: the config is in this file; sidecar_for/proxy_id: it "
                    + "comes from the agent)");
        }
        JsonObject consul = top.object("consul");
        JsonFields admin = top.nested("admin").allowOnly(Set.of("bind"));
        JsonFields log = top.nested("log").allowOnly(Set.of("level", "json"));
        String level = log.string("level");
        return new ConfigFile(path, service, sidecarFor, proxyId, consul, admin.string("bind"),
                level == null ? null : LogLevel.parse(level, log.path("level")), log.bool("json"));
    }

    /** The file's {@link ProxyConfig}, or null when the file has no {@code service} block. */
    public ProxyConfig proxyConfig(String datacenter) {
        return service == null ? null : ServiceDefinitionParser.parse(service, datacenter, "file:" + path);
    }

    /**
     * Jackson's message, cut to its first clause plus the position: it otherwise carries the source location in
     * a verbose form ({@code [Source: REDACTED ...; line: 2, column: 12]}) and sometimes a second line.
     */
    private static String shortJsonError(Exception e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        m = m.replace("Failed to decode:", "").trim();
        java.util.regex.Matcher at = java.util.regex.Pattern.compile("line: (\\d+), column: (\\d+)").matcher(m);
        String position = null;
        while (at.find()) {
            position = "line " + at.group(1) + ", column " + at.group(2);
        }
        String first = m.lines().findFirst().orElse(m);
        for (String cut : new String[] {" (start marker at", " at [Source"}) {
            int i = first.indexOf(cut);
            if (i >= 0) {
                first = first.substring(0, i);
            }
        }
        return first.trim() + (position == null ? "" : " at " + position);
    }
}
