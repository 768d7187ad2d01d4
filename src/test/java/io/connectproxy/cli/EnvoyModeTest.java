package io.connectproxy.cli;

import io.connectproxy.testsupport.Fixtures;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The whole envoy mode as Main runs it: flags in, stdout/stderr and the exit code out, no System.exit. */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class EnvoyModeTest {
    private static Vertx vertx;
    private static HttpServer agent;

    @TempDir
    Path tmp;

    @BeforeAll
    static void startAgent() {
        vertx = Vertx.vertx();
        JsonObject sidecar = Fixtures.json("agent-service-web-sidecar.json");
        agent = vertx.createHttpServer().requestHandler(req -> {
            switch (req.path()) {
                case "/v1/agent/self" -> req.response().end(Fixtures.text("agent-self.json"));
                case "/v1/agent/services" -> req.response().end(new JsonObject().put("web-sidecar-proxy", sidecar)
                        .encode());
                case "/v1/agent/service/web-sidecar-proxy" -> req.response().end(sidecar.encode());
                default -> req.response().setStatusCode(404).end("unknown proxy service ID");
            }
        }).listen(0, "127.0.0.1").await();
    }

    @AfterAll
    static void stop() {
        vertx.close().await();
    }

    private record Result(int code, String out, String err) {
    }

    private static Result run(List<String> args, Map<String, String> env) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = new EnvoyMode().run(args, env, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static String addr() {
        return "127.0.0.1:" + agent.actualPort();
    }

    @Test
    void bootstrapIsPrintedOnStdout() {
        Result r = run(List.of("-sidecar-for", "web", "-bootstrap"), Map.of("CONSUL_HTTP_ADDR", addr()));
        assertEquals(0, r.code(), r.err());
        JsonObject doc = new JsonObject(r.out());
        assertEquals("web-sidecar-proxy", doc.getJsonObject("node").getString("id"));
        assertEquals(8502, doc.getJsonObject("static_resources").getJsonArray("clusters").getJsonObject(0)
                .getJsonObject("loadAssignment").getJsonArray("endpoints").getJsonObject(0)
                .getJsonArray("lbEndpoints").getJsonObject(0).getJsonObject("endpoint").getJsonObject("address")
                .getJsonObject("socket_address").getInteger("port_value"));
    }

    @Test
    void bindAddressWithoutRegisterIsAcceptedWithANotice() {
        Result r = run(List.of("-sidecar-for", "web", "-bootstrap", "-bind-address", "lan=127.0.0.1:8443"),
                Map.of("CONSUL_HTTP_ADDR", addr()));
        assertEquals(0, r.code(), r.err());
        assertEquals("-bind-address: only used with -register (it goes into the gateway's registration); ignored, "
                + "as Consul does", r.err().strip());
        assertEquals("web-sidecar-proxy", new JsonObject(r.out()).getJsonObject("node").getString("id"));
    }

    @Test
    void errorsAreOneLineWithoutStackTrace() {
        Result r = run(List.of("-proxy-id", "nope", "-bootstrap", "-http-addr", addr()), Map.of());
        assertEquals(1, r.code());
        assertEquals("", r.out());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains("unknown proxy \"nope\""), r.err());
        assertFalse(r.err().contains("\tat "), r.err());
    }

    @Test
    void noProxyId() {
        Result r = run(List.of("-bootstrap", "-http-addr", addr()), Map.of());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("-proxy-id, -sidecar-for or -gateway"), r.err());
    }

    @Test
    void badFlagsAreUsageErrors() {
        Result r = run(List.of("-gateway", "sideways"), Map.of());
        assertEquals(2, r.code());
        assertEquals("-gateway: must be one of mesh, terminating, ingress; got \"sideways\"", r.err().strip());
        assertEquals(2, run(List.of("-admin-bind"), Map.of()).code());
    }

    @Test
    void help() {
        Result r = run(List.of("-h"), Map.of());
        assertEquals(0, r.code());
        assertTrue(r.out().contains("-sidecar-for"), () -> String.valueOf(r.out()));
    }

    @Test
    void envoyExitCodeIsReturned() throws Exception {
        Path script = tmp.resolve("envoy");
        Files.writeString(script, "#!/bin/sh\ncat \"$2\" > /dev/null\nexit 42\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        Result r = run(List.of("-sidecar-for", "web", "-http-addr", addr(), "-envoy-binary", script.toString()),
                Map.of());
        assertEquals(42, r.code(), r.err());
        assertEquals("", r.out());
    }
}
