package io.connectproxy.devagent;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The dev agent's data directory, like a non-dev Consul agent's {@code -data-dir}: one JSON file with what a restart
 * must keep — the node id, the indexes, the CA (roots with their signing keys), the CA configuration, intentions and
 * the services registered over HTTP. Written whole to a temporary file (0600: it holds the CA keys), synced, then
 * renamed over the old one, so a kill at any moment leaves either the previous or the new state, never half of one.
 */
final class StateFile {

    static final String FILE_NAME = "dev-agent-state.json";
    private static final int VERSION = 1;

    private final Path dir;

    StateFile(Path dir) {
        this.dir = dir;
    }

    Path path() {
        return dir.resolve(FILE_NAME);
    }

    /** The saved state, or null when the directory holds none yet (a first start). */
    JsonObject read() {
        Path file = path();
        if (!Files.exists(file)) {
            return null;
        }
        try {
            JsonObject json = new JsonObject(Files.readString(file, StandardCharsets.UTF_8));
            if (json.getInteger("version", -1) != VERSION) {
                throw new IllegalArgumentException("data_dir: " + file + ": unknown version " + json.getValue("version"));
            }
            return json;
        } catch (IOException e) {
            throw new UncheckedIOException("data_dir: cannot read " + file, e);
        } catch (DecodeException | ClassCastException e) {
            throw new IllegalArgumentException("data_dir: " + file + " is not a dev agent state file: " + e.getMessage(), e);
        }
    }

    /** Replaces the saved state atomically. Blocking: call off the event loop. */
    void write(JsonObject state) {
        try {
            if (!Files.isDirectory(dir)) {
                Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            }
            Path tmp = dir.resolve(FILE_NAME + ".tmp");
            Files.deleteIfExists(tmp);
            try {
                Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } catch (FileAlreadyExistsException e) {
                throw new IOException("another writer in " + dir, e);
            }
            byte[] bytes = state.copy().put("version", VERSION).encodePrettily().getBytes(StandardCharsets.UTF_8);
            try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ByteBuffer buffer = ByteBuffer.wrap(bytes);
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
                channel.force(true);
            }
            Files.move(tmp, path(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("data_dir: cannot write " + path(), e);
        }
    }

    // ------------------------------------------------------------------ the CA

    static JsonObject caToJson(DevCa ca) {
        JsonArray roots = new JsonArray();
        for (CaRootRecord r : ca.roots()) {
            roots.add(new JsonObject()
                .put("id", r.id())
                .put("name", r.name())
                .put("serial", r.serial().toString())
                .put("signing_key_id", r.signingKeyId())
                .put("certificate_pem", r.certificatePem())
                .put("signing_key_pkcs8", Base64.getEncoder().encodeToString(r.signingKey().getEncoded()))
                .put("intermediate_pems", new JsonArray(new ArrayList<>(r.intermediatePems())))
                .put("not_before", r.notBefore().toString())
                .put("not_after", r.notAfter().toString())
                .put("active", r.active())
                .put("create_index", r.createIndex())
                .put("modify_index", r.modifyIndex()));
        }
        return new JsonObject().put("cluster_id", ca.clusterId()).put("next_serial", ca.nextSerial()).put("roots", roots);
    }

    static DevCa caFromJson(JsonObject json, String datacenter) {
        List<CaRootRecord> roots = new ArrayList<>();
        for (Object o : json.getJsonArray("roots")) {
            JsonObject r = (JsonObject) o;
            List<String> intermediates = new ArrayList<>();
            r.getJsonArray("intermediate_pems").forEach(p -> intermediates.add((String) p));
            roots.add(new CaRootRecord(r.getString("id"), r.getString("name"), new BigInteger(r.getString("serial")),
                r.getString("signing_key_id"), CaCrypto.parseCertificate(r.getString("certificate_pem")),
                r.getString("certificate_pem"),
                CaCrypto.ecPrivateKey(Base64.getDecoder().decode(r.getString("signing_key_pkcs8"))),
                List.copyOf(intermediates), Instant.parse(r.getString("not_before")),
                Instant.parse(r.getString("not_after")), r.getBoolean("active"), r.getLong("create_index"),
                r.getLong("modify_index")));
        }
        return new DevCa(json.getString("cluster_id"), datacenter, roots, json.getLong("next_serial"));
    }

    // ---------------------------------------------------------- intentions

    static JsonArray intentionsToJson(List<IntentionRecord> intentions) {
        JsonArray out = new JsonArray();
        for (IntentionRecord i : intentions) {
            out.add(new JsonObject()
                .put("id", i.id())
                .put("source", i.sourceName())
                .put("destination", i.destinationName())
                .put("action", i.action())
                .put("description", i.description())
                .put("meta", i.meta())
                .put("created_at", i.createdAt().toString())
                .put("updated_at", i.updatedAt().toString())
                .put("create_index", i.createIndex())
                .put("modify_index", i.modifyIndex()));
        }
        return out;
    }

    static List<IntentionRecord> intentionsFromJson(JsonArray json) {
        List<IntentionRecord> out = new ArrayList<>();
        for (Object o : json) {
            JsonObject i = (JsonObject) o;
            out.add(new IntentionRecord(i.getString("id"), i.getString("source"), i.getString("destination"),
                i.getString("action"), i.getString("description"), i.getJsonObject("meta"),
                Instant.parse(i.getString("created_at")), Instant.parse(i.getString("updated_at")),
                i.getLong("create_index"), i.getLong("modify_index")));
        }
        return out;
    }

    // ------------------------------------------------------------- indexes

    static JsonObject topicsToJson(Map<String, Long> topics) {
        JsonObject out = new JsonObject();
        topics.forEach(out::put);
        return out;
    }

    static Map<String, Long> topicsFromJson(JsonObject json) {
        Map<String, Long> out = new HashMap<>();
        json.forEach(e -> out.put(e.getKey(), ((Number) e.getValue()).longValue()));
        return out;
    }
}
