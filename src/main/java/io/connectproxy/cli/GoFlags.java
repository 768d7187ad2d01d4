package io.connectproxy.cli;

import io.connectproxy.config.ConfigException;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Parses flags the way Consul's Go tools do: {@code -name value}, {@code -name=value}, {@code --name} works too,
 * booleans as {@code -flag} or {@code -flag=false}, some flags repeatable, and {@code --} ends the flags
 * (the rest is passed through, e.g. to Envoy). Unknown flags are errors that name the flag.
 */
public final class GoFlags {
    private final Set<String> valueFlags;
    private final Set<String> booleanFlags;
    private final Set<String> repeatable;

    public GoFlags(Set<String> valueFlags, Set<String> booleanFlags, Set<String> repeatable) {
        this.valueFlags = Set.copyOf(valueFlags);
        this.booleanFlags = Set.copyOf(booleanFlags);
        this.repeatable = Set.copyOf(repeatable);
    }

    /** The parsed command line: last value per flag, every value of repeatable flags, and what followed --. */
    public record Parsed(Map<String, String> values, Map<String, List<String>> repeated, List<String> passThrough) {
        public boolean has(String flag) {
            return values.containsKey(flag) || repeated.containsKey(flag);
        }

        public String get(String flag) {
            return values.get(flag);
        }

        public boolean bool(String flag) {
            return "true".equals(values.get(flag));
        }

        public List<String> all(String flag) {
            return repeated.getOrDefault(flag, List.of());
        }
    }

    public Parsed parse(List<String> args) {
        Map<String, String> values = new LinkedHashMap<>();
        Map<String, List<String>> repeated = new LinkedHashMap<>();
        List<String> rest = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (arg.equals("--")) {
                rest.addAll(args.subList(i + 1, args.size()));
                break;
            }
            if (!arg.startsWith("-") || arg.equals("-")) {
                throw new ConfigException("arguments", "unexpected argument " + quote(arg)
                        + " (flags start with -; use -- before arguments meant for another program)");
            }
            String body = arg.startsWith("--") ? arg.substring(2) : arg.substring(1);
            String name = body;
            String value = null;
            int eq = body.indexOf('=');
            if (eq >= 0) {
                name = body.substring(0, eq);
                value = body.substring(eq + 1);
            }
            if (booleanFlags.contains(name)) {
                if (value == null) {
                    value = "true";
                } else if (!value.equals("true") && !value.equals("false")) {
                    throw new ConfigException("-" + name, "must be true or false, got " + quote(value));
                }
            } else if (valueFlags.contains(name)) {
                if (value == null) {
                    if (i + 1 >= args.size()) {
                        throw new ConfigException("-" + name, "needs a value");
                    }
                    value = args.get(++i);
                }
            } else {
                throw new ConfigException("-" + name, "unknown flag (see -h)");
            }
            if (repeatable.contains(name)) {
                repeated.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
            }
            values.put(name, value);
        }
        repeated.replaceAll((k, v) -> List.copyOf(v));
        return new Parsed(Map.copyOf(values), Map.copyOf(repeated), List.copyOf(rest));
    }

    static String quote(String s) {
        return "\"" + s + "\"";
    }
}
