package io.connectproxy.envoy;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Renders a user's {@code envoy_bootstrap_json_tpl}. Only plain {@code {{ .Name }}} substitution of the variables
 * Consul documents is supported; Go template logic ({@code if}, {@code range}, pipes, trim markers) is refused
 * with an error naming the construct. String values are JSON-escaped (so a quote in a token cannot break the
 * document), the {@code *JSON} variables are spliced in as JSON, and the result must parse as a JSON object.
 */
final class BootstrapTemplate {
    private static final String KEY = "Proxy.Config.envoy_bootstrap_json_tpl";
    private static final Pattern ACTION = Pattern.compile("\\{\\{(.*?)}}", Pattern.DOTALL);
    private static final Pattern VARIABLE = Pattern.compile("\\s*\\.([A-Za-z][A-Za-z0-9]*)\\s*");

    private BootstrapTemplate() {
    }

    static JsonObject render(String template, BootstrapArgs args, BootstrapBuilder.Configured c) {
        Map<String, String> values = values(args, c);
        StringBuilder out = new StringBuilder();
        Matcher m = ACTION.matcher(template);
        int last = 0;
        while (m.find()) {
            out.append(literal(template.substring(last, m.start())));
            Matcher v = VARIABLE.matcher(m.group(1));
            if (!v.matches()) {
                throw new EnvoyException(EnvoyException.Reason.CONFIG, KEY + ": unsupported template construct \""
                        + m.group() + "\" (only {{ .Name }} substitution is supported)");
            }
            String value = values.get(v.group(1));
            if (value == null) {
                throw new EnvoyException(EnvoyException.Reason.CONFIG, KEY + ": unknown template variable \"."
                        + v.group(1) + "\" (known: " + values.keySet().stream().map(k -> "." + k)
                        .collect(Collectors.joining(", ")) + ")");
            }
            out.append(value);
            last = m.end();
        }
        out.append(literal(template.substring(last)));
        try {
            return new JsonObject(out.toString());
        } catch (DecodeException | ClassCastException e) {
            throw new EnvoyException(EnvoyException.Reason.CONFIG, KEY + ": the rendered template is not a JSON object: "
                    + BootstrapBuilder.firstLine(e));
        }
    }

    private static String literal(String text) {
        if (text.contains("{{")) {
            throw new EnvoyException(EnvoyException.Reason.CONFIG, KEY + ": unclosed template action \""
                    + text.substring(text.indexOf("{{")).lines().findFirst().orElse("") + "\"");
        }
        return text;
    }

    /** The variables of Consul 1.10's BootstrapTplArgs, as text ready to splice in. */
    private static Map<String, String> values(BootstrapArgs a, BootstrapBuilder.Configured c) {
        Map<String, String> v = new LinkedHashMap<>();
        v.put("ProxyCluster", escape(a.proxyCluster()));
        v.put("ProxyID", escape(a.proxyId()));
        v.put("ProxySourceService", escape(a.proxySourceService()));
        v.put("AgentAddress", escape(a.agentAddress()));
        v.put("AgentPort", a.agentSocket().isEmpty() ? Integer.toString(a.agentPort()) : "");
        v.put("AgentSocket", escape(a.agentSocket()));
        v.put("AgentTLS", Boolean.toString(a.agentTls()));
        v.put("AgentCAPEM", escape(a.agentCaPem()));
        v.put("AdminAccessLogPath", escape(a.adminAccessLogPath()));
        v.put("AdminBindAddress", escape(a.adminBindAddress()));
        v.put("AdminBindPort", Integer.toString(a.adminBindPort()));
        v.put("LocalAgentClusterName", escape(a.localAgentClusterName()));
        v.put("Token", escape(a.token()));
        v.put("StaticClustersJSON", joined(c.extraClusters()));
        v.put("StaticListenersJSON", joined(c.listeners()));
        v.put("StatsSinksJSON", joined(c.statsSinks()));
        v.put("StatsConfigJSON", c.statsConfig().encode());
        v.put("StatsFlushInterval", escape(c.statsFlushInterval()));
        v.put("TracingConfigJSON", c.tracing() == null ? "" : c.tracing().encode());
        v.put("Namespace", escape(a.namespace()));
        v.put("Datacenter", escape(a.datacenter()));
        v.put("EnvoyVersion", escape(a.envoyVersion()));
        v.put("PrometheusBackendPort", escape(a.prometheusBackendPort()));
        v.put("PrometheusScrapePath", escape(a.prometheusScrapePath()));
        return v;
    }

    /** The JSON string encoding of {@code s} without the surrounding quotes. */
    static String escape(String s) {
        String quoted = Json.encode(s);
        return quoted.substring(1, quoted.length() - 1);
    }

    private static String joined(JsonArray list) {
        return list.stream().map(Json::encode).collect(Collectors.joining(",\n"));
    }
}
