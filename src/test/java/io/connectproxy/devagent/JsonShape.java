package io.connectproxy.devagent;

import io.connectproxy.consul.wire.WireReader;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * Compares the key structure of two JSON values: same keys, same JSON types, recursively; values may differ.
 * A null in the fixture accepts anything (Go wrote nil there); an empty fixture array accepts any array.
 * Each element of an actual array is compared with the fixture element at the same position (or the last one).
 */
final class JsonShape {

    private JsonShape() {
    }

    static List<String> differences(Object fixture, Object actual) {
        List<String> out = new ArrayList<>();
        compare("$", fixture, actual, out);
        return out;
    }

    private static void compare(String path, Object fixture, Object actual, List<String> out) {
        if (fixture == null) {
            return;
        }
        if (!WireReader.typeName(fixture).equals(WireReader.typeName(actual))) {
            out.add(path + ": fixture has " + WireReader.typeName(fixture) + ", dev agent has " + WireReader.typeName(actual));
            return;
        }
        if (fixture instanceof JsonObject f) {
            JsonObject a = (JsonObject) actual;
            TreeSet<String> missing = new TreeSet<>(f.fieldNames());
            missing.removeAll(a.fieldNames());
            TreeSet<String> extra = new TreeSet<>(a.fieldNames());
            extra.removeAll(f.fieldNames());
            if (!missing.isEmpty()) {
                out.add(path + ": missing keys " + missing);
            }
            if (!extra.isEmpty()) {
                out.add(path + ": extra keys " + extra);
            }
            for (String key : f.fieldNames()) {
                if (a.containsKey(key)) {
                    compare(path + "." + key, f.getValue(key), a.getValue(key), out);
                }
            }
        } else if (fixture instanceof JsonArray f) {
            JsonArray a = (JsonArray) actual;
            if (f.isEmpty()) {
                return;
            }
            if (a.isEmpty()) {
                out.add(path + ": fixture has " + f.size() + " elements, dev agent none");
                return;
            }
            for (int i = 0; i < a.size(); i++) {
                compare(path + "[" + i + "]", f.getValue(Math.min(i, f.size() - 1)), a.getValue(i), out);
            }
        }
    }
}
