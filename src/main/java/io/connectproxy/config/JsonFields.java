package io.connectproxy.config;

import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads typed values out of one object of the user's configuration, throwing {@link ConfigException}s that name
 * the full field path and show the offending value. Absent and JSON null both mean "not set".
 * <p>
 * {@code weakNumbers} accepts integers written as strings ({@code "1000"}) because Consul decodes the opaque
 * proxy {@code config} map with weak typing, so registrations in the wild contain them.
 */
final class JsonFields {
    private static final int SHOW_MAX = 80;

    private final JsonObject json;
    private final String path;
    private final boolean weakNumbers;

    private JsonFields(JsonObject json, String path, boolean weakNumbers) {
        this.json = json;
        this.path = path;
        this.weakNumbers = weakNumbers;
    }

    static JsonFields of(JsonObject json, String path) {
        return new JsonFields(json == null ? new JsonObject() : json, path, false);
    }

    static JsonFields weak(JsonObject json, String path) {
        return new JsonFields(json == null ? new JsonObject() : json, path, true);
    }

    JsonObject json() {
        return json;
    }

    String path() {
        return path;
    }

    String path(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    boolean has(String key) {
        return json.getValue(key) != null;
    }

    /** Unknown keys are errors: typos in the proxy's own blocks must not be silently ignored. */
    JsonFields allowOnly(Collection<String> allowed) {
        for (String key : json.fieldNames()) {
            if (!allowed.contains(key)) {
                throw new ConfigException(path(key), "unknown key (allowed: "
                        + String.join(", ", new TreeSet<>(allowed)) + ")");
            }
        }
        return this;
    }

    /** @return the string, or null when absent; empty strings count as absent */
    String string(String key) {
        Object v = json.getValue(key);
        if (v == null) {
            return null;
        }
        if (!(v instanceof String s)) {
            throw new ConfigException(path(key), "must be a string, got " + show(v));
        }
        return s.isEmpty() ? null : s;
    }

    String string(String key, String fallback) {
        String s = string(key);
        return s == null ? fallback : s;
    }

    String requiredString(String key) {
        String s = string(key);
        if (s == null) {
            throw new ConfigException(path(key), json.containsKey(key) ? "must not be empty" : "required");
        }
        return s;
    }

    Boolean bool(String key) {
        Object v = json.getValue(key);
        if (v == null) {
            return null;
        }
        if (!(v instanceof Boolean b)) {
            throw new ConfigException(path(key), "must be true or false, got " + show(v));
        }
        return b;
    }

    /** @return the integer value, or null when absent */
    Long integer(String key) {
        Object v = json.getValue(key);
        if (v == null) {
            return null;
        }
        if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) {
            return ((Number) v).longValue();
        }
        if (v instanceof Number n) {
            double d = n.doubleValue();
            if (d == Math.rint(d) && !Double.isInfinite(d) && Math.abs(d) < 1e15) {
                return (long) d;
            }
            throw new ConfigException(path(key), "must be a whole number, got " + show(v));
        }
        if (weakNumbers && v instanceof String s) {
            try {
                return Long.parseLong(s.trim());
            } catch (NumberFormatException e) {
                throw new ConfigException(path(key), "must be a whole number, got " + show(v));
            }
        }
        throw new ConfigException(path(key), "must be a number, got " + show(v));
    }

    /** A TCP port 1-65535, or {@code fallback} when absent. */
    int port(String key, int fallback) {
        Long v = integer(key);
        if (v == null) {
            return fallback;
        }
        if (v < 1 || v > 65535) {
            throw new ConfigException(path(key), "must be 1-65535, got " + v);
        }
        return v.intValue();
    }

    /** A duration in milliseconds that must be at least {@code min}, or {@code fallback} when absent. */
    long millis(String key, long fallback, long min) {
        Long v = integer(key);
        if (v == null) {
            return fallback;
        }
        if (v < min) {
            throw new ConfigException(path(key), "must be at least " + min + ", got " + v);
        }
        return v;
    }

    int millisInt(String key, int fallback, int min) {
        long v = millis(key, fallback, min);
        if (v > Integer.MAX_VALUE) {
            throw new ConfigException(path(key), "must be at most " + Integer.MAX_VALUE + ", got " + v);
        }
        return (int) v;
    }

    /** @return the nested object (not copied), or null when absent */
    JsonObject object(String key) {
        Object v = json.getValue(key);
        if (v == null) {
            return null;
        }
        if (!(v instanceof JsonObject o)) {
            throw new ConfigException(path(key), "must be an object, got " + show(v));
        }
        return o;
    }

    JsonFields nested(String key) {
        JsonObject o = object(key);
        return new JsonFields(o == null ? new JsonObject() : o, path(key), weakNumbers);
    }

    /** @return the objects of an array, each with its path ({@code key[i]}); empty when absent */
    List<JsonFields> objects(String key) {
        Object v = json.getValue(key);
        if (v == null) {
            return List.of();
        }
        if (!(v instanceof JsonArray a)) {
            throw new ConfigException(path(key), "must be an array, got " + show(v));
        }
        java.util.ArrayList<JsonFields> out = new java.util.ArrayList<>(a.size());
        for (int i = 0; i < a.size(); i++) {
            Object e = a.getValue(i);
            String p = path(key) + "[" + i + "]";
            if (!(e instanceof JsonObject o)) {
                throw new ConfigException(p, "must be an object, got " + show(e));
            }
            out.add(new JsonFields(o, p, weakNumbers));
        }
        return out;
    }

    /** Renders a value for an error message: strings quoted, long objects shortened. */
    static String show(Object v) {
        if (v == null) {
            return "null";
        }
        String s;
        if (v instanceof String str) {
            s = Json.encode(str);
        } else if (v instanceof JsonObject || v instanceof JsonArray || v instanceof Map || v instanceof List) {
            s = Json.encode(v);
        } else {
            s = String.valueOf(v);
        }
        return s.length() > SHOW_MAX ? s.substring(0, SHOW_MAX - 3) + "..." : s;
    }

    static Set<String> keys(String... names) {
        return Set.of(names);
    }
}
