package io.connectproxy.devagent;

import io.connectproxy.config.GoDuration;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Reads a Consul definition object whose keys may be PascalCase ("LocalBindPort") or snake_case
 * ("local_bind_port"), as Consul accepts both. Opaque maps (Meta, Proxy.Config) are returned untouched.
 * Type errors name the field: {@code Request decode failed: Connect.SidecarService.Port: expected a number}.
 */
final class DefinitionFields {

    private final JsonObject object;
    private final String path;

    DefinitionFields(JsonObject object, String path) {
        this.object = object == null ? new JsonObject() : object;
        this.path = path;
    }

    private static String normalize(String key) {
        return key.replace("_", "").replace("-", "").toLowerCase(Locale.ROOT);
    }

    /** The raw value of the first present key among the given names (any case/underscore spelling). */
    Object raw(String... names) {
        for (String name : names) {
            String wanted = normalize(name);
            for (String key : object.fieldNames()) {
                if (normalize(key).equals(wanted)) {
                    Object value = object.getValue(key);
                    if (value != null) {
                        return value;
                    }
                }
            }
        }
        return null;
    }

    boolean has(String... names) {
        return raw(names) != null;
    }

    String string(String name, String defaultValue) {
        Object value = raw(name);
        if (value == null) {
            return defaultValue;
        }
        if (!(value instanceof String s)) {
            throw error(name, "expected a string");
        }
        return s;
    }

    String firstString(String defaultValue, String... names) {
        for (String name : names) {
            String value = string(name, null);
            if (value != null && !value.isEmpty()) {
                return value;
            }
        }
        return defaultValue;
    }

    int integer(String name, int defaultValue) {
        Object value = raw(name);
        if (value == null) {
            return defaultValue;
        }
        if (value instanceof Number n) {
            return n.intValue();
        }
        if (value instanceof String s) {
            try {
                return Integer.parseInt(s);
            } catch (NumberFormatException e) {
                throw error(name, "expected a number");
            }
        }
        throw error(name, "expected a number");
    }

    boolean bool(String name, boolean defaultValue) {
        Object value = raw(name);
        if (value == null) {
            return defaultValue;
        }
        if (value instanceof Boolean b) {
            return b;
        }
        if (value instanceof String s && (s.equals("true") || s.equals("false"))) {
            return Boolean.parseBoolean(s);
        }
        throw error(name, "expected a boolean");
    }

    Duration duration(String name) {
        Object value = raw(name);
        if (value == null) {
            return null;
        }
        if (value instanceof Number n) {
            // Go's JSON decoding of time.Duration takes nanoseconds
            return Duration.ofNanos(n.longValue());
        }
        if (!(value instanceof String s)) {
            throw error(name, "expected a duration");
        }
        try {
            return GoDuration.parse(s);
        } catch (IllegalArgumentException e) {
            throw error(name, e.getMessage());
        }
    }

    List<String> strings(String name) {
        Object value = raw(name);
        List<String> out = new ArrayList<>();
        if (value == null) {
            return out;
        }
        if (!(value instanceof JsonArray array)) {
            throw error(name, "expected an array of strings");
        }
        for (Object item : array) {
            if (!(item instanceof String s)) {
                throw error(name, "expected an array of strings");
            }
            out.add(s);
        }
        return out;
    }

    /** A nested definition object, or null when absent. */
    DefinitionFields object(String... names) {
        Object value = raw(names);
        if (value == null) {
            return null;
        }
        if (!(value instanceof JsonObject o)) {
            throw error(names[0], "expected an object");
        }
        return new DefinitionFields(o, child(names[0]));
    }

    /** An opaque map kept as given (keys are not translated), copied; empty when absent. */
    JsonObject opaque(String name) {
        Object value = raw(name);
        if (value == null) {
            return new JsonObject();
        }
        if (!(value instanceof JsonObject o)) {
            throw error(name, "expected an object");
        }
        return o.copy();
    }

    /** A list of nested definition objects; a single object where a list is expected counts as one element. */
    List<DefinitionFields> objects(String name) {
        Object value = raw(name);
        List<DefinitionFields> out = new ArrayList<>();
        if (value == null) {
            return out;
        }
        if (value instanceof JsonObject single) {
            out.add(new DefinitionFields(single, child(name)));
            return out;
        }
        if (!(value instanceof JsonArray array)) {
            throw error(name, "expected an array of objects");
        }
        for (int i = 0; i < array.size(); i++) {
            if (!(array.getValue(i) instanceof JsonObject o)) {
                throw error(name + "[" + i + "]", "expected an object");
            }
            out.add(new DefinitionFields(o, child(name) + "[" + i + "]"));
        }
        return out;
    }

    String path() {
        return path;
    }

    private String child(String name) {
        return path.isEmpty() ? name : path + "." + name;
    }

    ApiException error(String name, String message) {
        return ApiException.badRequest("Request decode failed: " + child(name) + ": " + message);
    }
}
