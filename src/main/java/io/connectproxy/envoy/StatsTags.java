package io.connectproxy.envoy;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The {@code stats_config} Consul 1.10 generates: the user's fixed tags from {@code envoy_stats_tags}, regex tag
 * extractors that turn Consul's cluster and listener names into {@code consul.destination.*} and
 * {@code consul.upstream.*} labels (plus the pre-1.9 {@code consul.*} ones unless {@code -omit-deprecated-tags}),
 * then default fixed tags ({@code local_cluster}, {@code consul.source.*}) the user did not set.
 */
final class StatsTags {
    private static final String SEGMENT = "[^.]+";

    /** Rule name → regex with {@code S} standing for one name segment; same order as Consul. */
    private static final String[][] RULES = {
            {"consul.destination.custom_hash",
                    "^cluster\\.(?:passthrough~)?((?:(S)~)?(?:S\\.)?S\\.S\\.S\\.S\\.S\\.consul\\.)"},
            {"consul.destination.service_subset",
                    "^cluster\\.(?:passthrough~)?((?:S~)?(?:(S)\\.)?S\\.S\\.S\\.S\\.S\\.consul\\.)"},
            {"consul.destination.service",
                    "^cluster\\.(?:passthrough~)?((?:S~)?(?:S\\.)?(S)\\.S\\.S\\.S\\.S\\.consul\\.)"},
            {"consul.destination.namespace",
                    "^cluster\\.(?:passthrough~)?((?:S~)?(?:S\\.)?S\\.(S)\\.S\\.S\\.S\\.consul\\.)"},
            {"consul.destination.datacenter",
                    "^cluster\\.(?:passthrough~)?((?:S~)?(?:S\\.)?S\\.S\\.(S)\\.S\\.S\\.consul\\.)"},
            {"consul.destination.routing_type",
                    "^cluster\\.(?:passthrough~)?((?:S~)?(?:S\\.)?S\\.S\\.S\\.(S)\\.S\\.consul\\.)"},
            {"consul.destination.trust_domain",
                    "^cluster\\.(?:passthrough~)?((?:S~)?(?:S\\.)?S\\.S\\.S\\.S\\.(S)\\.consul\\.)"},
            {"consul.destination.target",
                    "^cluster\\.(?:passthrough~)?(((?:S~)?(?:S\\.)?S\\.S\\.S)\\.S\\.S\\.consul\\.)"},
            {"consul.destination.full_target",
                    "^cluster\\.(?:passthrough~)?(((?:S~)?(?:S\\.)?S\\.S\\.S\\.S\\.S)\\.consul\\.)"},
            {"consul.upstream.service", "^(?:tcp|http)\\.upstream\\.((S)(?:\\.S)?\\.S\\.)"},
            {"consul.upstream.datacenter", "^(?:tcp|http)\\.upstream\\.(S(?:\\.S)?\\.(S)\\.)"},
            {"consul.upstream.namespace", "^(?:tcp|http)\\.upstream\\.(S(?:\\.(S))?\\.S\\.)"},
    };

    /** Deprecated in Consul 1.9, still emitted by default for backwards compatibility. */
    private static final String[][] DEPRECATED_RULES = {
            {"consul.custom_hash", "^cluster\\.((?:(S)~)?(?:S\\.)?S\\.S\\.S\\.S\\.S\\.consul\\.)"},
            {"consul.service_subset", "^cluster\\.((?:S~)?(?:(S)\\.)?S\\.S\\.S\\.S\\.S\\.consul\\.)"},
            {"consul.service", "^cluster\\.((?:S~)?(?:S\\.)?(S)\\.S\\.S\\.S\\.S\\.consul\\.)"},
            {"consul.namespace", "^cluster\\.((?:S~)?(?:S\\.)?S\\.(S)\\.S\\.S\\.S\\.consul\\.)"},
            {"consul.datacenter", "^cluster\\.((?:S~)?(?:S\\.)?S\\.S\\.(S)\\.S\\.S\\.consul\\.)"},
            {"consul.routing_type", "^cluster\\.((?:S~)?(?:S\\.)?S\\.S\\.S\\.(S)\\.S\\.consul\\.)"},
            {"consul.trust_domain", "^cluster\\.((?:S~)?(?:S\\.)?S\\.S\\.S\\.S\\.(S)\\.consul\\.)"},
            {"consul.target", "^cluster\\.(((?:S~)?(?:S\\.)?S\\.S\\.S)\\.S\\.S\\.consul\\.)"},
            {"consul.full_target", "^cluster\\.(((?:S~)?(?:S\\.)?S\\.S\\.S\\.S\\.S)\\.consul\\.)"},
    };

    private StatsTags() {
    }

    static JsonObject statsConfig(BootstrapArgs args, List<String> userTags, boolean omitDeprecatedTags) {
        JsonArray tags = new JsonArray();
        Set<String> explicit = new LinkedHashSet<>();
        for (String tag : userTags) {
            int eq = tag.indexOf('=');
            // a tag without a value is a boolean flag: "canary" becomes canary=1
            String name = (eq < 0 ? tag : tag.substring(0, eq)).toLowerCase(Locale.ROOT);
            String value = eq < 0 ? "1" : tag.substring(eq + 1);
            tags.add(new JsonObject().put("tag_name", name).put("fixed_value", value));
            explicit.add(name);
        }
        for (String[] rule : resourceRules(omitDeprecatedTags)) {
            tags.add(new JsonObject().put("regex", rule[1].replace("S", SEGMENT)).put("tag_name", rule[0]));
        }
        String[][] defaults = {
                // local_cluster predates the consul.source.* names and is kept for existing dashboards
                {"local_cluster", args.proxyCluster()},
                {"consul.source.service", args.proxySourceService()},
                {"consul.source.namespace", args.namespaceOrDefault()},
                {"consul.source.datacenter", args.datacenter()},
        };
        for (String[] d : defaults) {
            if (!d[1].isEmpty() && !explicit.contains(d[0])) {
                tags.add(new JsonObject().put("tag_name", d[0]).put("fixed_value", d[1]));
            }
        }
        return new JsonObject().put("stats_tags", tags).put("use_all_default_tags", true);
    }

    private static List<String[]> resourceRules(boolean omitDeprecatedTags) {
        List<String[]> rules = new ArrayList<>(List.of(RULES));
        if (!omitDeprecatedTags) {
            rules.addAll(List.of(DEPRECATED_RULES));
        }
        return rules;
    }
}
