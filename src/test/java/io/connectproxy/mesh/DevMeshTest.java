package io.connectproxy.mesh;

import io.connectproxy.testsupport.Await;
import io.connectproxy.testsupport.Http;
import io.connectproxy.testsupport.Wire;
import io.connectproxy.devmesh.DevMesh;
import io.connectproxy.devmesh.DevMeshConfig;
import io.connectproxy.config.ConfigException;
import io.connectproxy.testsupport.TestMesh;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The local mesh of conf/dev-mesh.json, run inside the test JVM (the fat-jar run is DevMeshE2eTest). */
class DevMeshTest {

    @Test
    void shippedFileDescribesWebWithAnUpstreamToEchoOn1234() throws Exception {
        DevMeshConfig config = DevMeshConfig.parse(Files.readString(DevMeshConf.SHIPPED), "dev-mesh.json");
        assertEquals(8500, config.agent().port());
        assertEquals("127.0.0.1", config.agent().host());
        assertEquals(List.of("echo"), config.echoApps().stream().map(DevMeshConfig.EchoAppSpec::serviceId).toList());
        DevMeshConfig.SidecarSpec web = config.sidecars().stream().filter(s -> s.serviceId().equals("web"))
                .findFirst().orElseThrow();
        assertEquals("echo", web.upstreamPorts().get("127.0.0.1:1234"));
    }

    @Test
    void errorsNameTheKey() {
        JsonObject unknownSidecar = new JsonObject().put("services", new io.vertx.core.json.JsonArray()
                .add(new JsonObject().put("name", "web").put("port", 8080))).put("sidecars",
                new io.vertx.core.json.JsonArray().add("wbe"));
        ConfigException e = assertThrows(ConfigException.class, () -> DevMeshConfig.fromJson(unknownSidecar, "m.json"));
        assertEquals("m.json: sidecars[0]", e.field());
        ConfigException typo = assertThrows(ConfigException.class,
                () -> DevMeshConfig.fromJson(new JsonObject().put("sidecar", "x"), "m.json"));
        assertEquals("m.json: sidecar", typo.field());
        ConfigException agent = assertThrows(ConfigException.class, () -> DevMeshConfig.fromJson(new JsonObject()
                .put("agent", new JsonObject().put("leaf_ttl", "soon")).put("services", new io.vertx.core.json.JsonArray()
                        .add(new JsonObject().put("name", "web").put("port", 8080))), "m.json"));
        assertEquals("m.json: agent.leaf_ttl", agent.field(), agent.getMessage());
        assertEquals("invalid duration \"soon\"", agent.problem(), agent.getMessage());
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void bytesGoThroughTheMeshAndATakenPortIsNamed() throws Exception {
        DevMeshConf conf = DevMeshConf.withFreePorts();
        DevMeshConfig config = DevMeshConfig.fromJson(conf.json(), "dev-mesh.json");
        assertEquals(List.of(), DevMesh.busyPorts(config));
        try (ServerSocket squatter = new ServerSocket(conf.upstreamPort(), 1, InetAddress.getLoopbackAddress())) {
            List<String> busy = DevMesh.busyPorts(config);
            assertEquals(List.of("127.0.0.1:" + conf.upstreamPort() + " (web's upstream to echo)"), busy);
        }

        DevMesh mesh = TestMesh.await(DevMesh.start(config));
        try {
            assertTrue(mesh.sidecars().get("web").ready(),
                    () -> String.valueOf(mesh.sidecars().get("web").readiness()));
            assertEquals("hello mesh\n", Wire.exchange(conf.upstreamPort(), "hello mesh\n", Duration.ofSeconds(5)));
            // every sidecar answers /metrics on its own admin port (19100, 19101, … or a free one when taken)
            int webAdmin = mesh.sidecars().get("web").adminPort();
            int echoAdmin = mesh.sidecars().get("echo").adminPort();
            assertTrue(webAdmin > 0 && echoAdmin > 0 && webAdmin != echoAdmin,
                    "admin ports web " + webAdmin + ", echo " + echoAdmin);
            Await.until(Duration.ofSeconds(5), "web's /metrics counts the connection to echo", () -> Http.get(
                    webAdmin, "/metrics").body().contains(
                    "connect_proxy_connections_total{destination=\"echo\",listener=\"upstream\"} 1.0"));
            assertEquals(200, Http.get(echoAdmin, "/ready").status());
        } finally {
            mesh.close().await(10, TimeUnit.SECONDS);
        }
    }
}
