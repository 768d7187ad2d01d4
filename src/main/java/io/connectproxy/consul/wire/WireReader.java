package io.connectproxy.consul.wire;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * Reads typed values out of one JSON object of an agent answer, naming the path of any field that has the
 * wrong type. Absent and JSON null are both treated as "not set" because Consul uses either for empty values.
 */
public final class WireReader {
    private final JsonObject json;
    private final String path;

    private WireReader(JsonObject json, String path) {
        this.json = json;
        this.path = path;
    }

    public static WireReader of(JsonObject json, String path) {
        if (json == null) {
            throw new WireFormatException(path + ": expected an object, got null");
        }
        return new WireReader(json, path);
    }

    public String path(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    public String string(String key) {
        Object v = json.getValue(key);
        if (v == null) {
            return "";
        }
        if (!(v instanceof String s)) {
            throw wrongType(key, "string", v);
        }
        return s;
    }

    public String requiredString(String key) {
        String s = string(key);
        if (s.isEmpty()) {
            throw new WireFormatException(path(key) + ": required, missing or empty");
        }
        return s;
    }

    public long number(String key, long fallback) {
        Object v = json.getValue(key);
        if (v == null) {
            return fallback;
        }
        if (!(v instanceof Number n)) {
            throw wrongType(key, "number", v);
        }
        return n.longValue();
    }

    public int integer(String key, int fallback) {
        return (int) number(key, fallback);
    }

    public boolean bool(String key) {
        Object v = json.getValue(key);
        if (v == null) {
            return false;
        }
        if (!(v instanceof Boolean b)) {
            throw wrongType(key, "boolean", v);
        }
        return b;
    }

    /** A nested object, or an empty one when absent or null. The returned object is a copy. */
    public JsonObject object(String key) {
        Object v = json.getValue(key);
        if (v == null) {
            return new JsonObject();
        }
        if (!(v instanceof JsonObject o)) {
            throw wrongType(key, "object", v);
        }
        return o.copy();
    }

    public WireReader nested(String key) {
        return new WireReader(object(key), path(key));
    }

    public List<String> strings(String key) {
        JsonArray a = array(key);
        List<String> out = new ArrayList<>(a.size());
        for (int i = 0; i < a.size(); i++) {
            Object v = a.getValue(i);
            if (!(v instanceof String s)) {
                throw new WireFormatException(path(key) + "[" + i + "]: expected string, got " + typeName(v));
            }
            out.add(s);
        }
        return List.copyOf(out);
    }

    /** Parses each element of an array of objects; absent or null is an empty list. */
    public <T> List<T> list(String key, BiFunction<JsonObject, String, T> parser) {
        JsonArray a = array(key);
        List<T> out = new ArrayList<>(a.size());
        for (int i = 0; i < a.size(); i++) {
            Object v = a.getValue(i);
            String p = path(key) + "[" + i + "]";
            if (!(v instanceof JsonObject o)) {
                throw new WireFormatException(p + ": expected object, got " + typeName(v));
            }
            out.add(parser.apply(o, p));
        }
        return List.copyOf(out);
    }

    private JsonArray array(String key) {
        Object v = json.getValue(key);
        if (v == null) {
            return new JsonArray();
        }
        if (!(v instanceof JsonArray a)) {
            throw wrongType(key, "array", v);
        }
        return a;
    }

    private WireFormatException wrongType(String key, String expected, Object actual) {
        return new WireFormatException(path(key) + ": expected " + expected + ", got " + typeName(actual));
    }

    /** The JSON type of a decoded value, as error messages (and the dev agent's shape tests) name it. */
    public static String typeName(Object v) {
        if (v == null) {
            return "null";
        }
        if (v instanceof String) {
            return "string";
        }
        if (v instanceof Number) {
            return "number";
        }
        if (v instanceof Boolean) {
            return "boolean";
        }
        if (v instanceof JsonArray || v instanceof List) {
            return "array";
        }
        if (v instanceof JsonObject || v instanceof Map) {
            return "object";
        }
        return v.getClass().getSimpleName();
    }
}
