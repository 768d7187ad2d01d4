package io.connectproxy.mesh;

import io.connectproxy.testsupport.TestMesh;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The shipped conf/dev-mesh.json with every port swapped for a free one (the agent on port 0), so tests run the
 * real file's structure without needing 1234, 8500 or 21000 free.
 */
record DevMeshConf(JsonObject json, int upstreamPort, int echoAppPort) {

    static final Path SHIPPED = Path.of("conf", "dev-mesh.json");

    static DevMeshConf withFreePorts() throws IOException {
        JsonObject json = new JsonObject(Files.readString(SHIPPED));
        json.getJsonObject("agent").put("http_addr", "127.0.0.1:0");
        int upstreamPort = -1;
        int echoAppPort = -1;
        JsonArray services = json.getJsonArray("services");
        for (int i = 0; i < services.size(); i++) {
            JsonObject def = services.getJsonObject(i);
            int appPort = TestMesh.freePort();
            def.put("port", appPort);
            if (def.getString("name").equals("echo")) {
                echoAppPort = appPort;
            }
            JsonObject sidecar = def.getJsonObject("connect").getJsonObject("sidecar_service");
            sidecar.put("port", TestMesh.freePort());
            JsonArray upstreams = sidecar.getJsonObject("proxy").getJsonArray("upstreams", new JsonArray());
            for (int u = 0; u < upstreams.size(); u++) {
                upstreamPort = TestMesh.freePort();
                upstreams.getJsonObject(u).put("local_bind_port", upstreamPort);
            }
        }
        return new DevMeshConf(json, upstreamPort, echoAppPort);
    }

    Path write(Path dir) throws IOException {
        Path file = dir.resolve("dev-mesh.json");
        Files.writeString(file, json.encodePrettily());
        return file;
    }
}
