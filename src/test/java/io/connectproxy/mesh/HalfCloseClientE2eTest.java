package io.connectproxy.mesh;

import io.connectproxy.testsupport.FatJarProcess;
import io.connectproxy.testsupport.HalfCloseTraffic;
import io.connectproxy.testsupport.HalfCloseTraffic.Digest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * An ordinary Debian client against the one-command dev mesh of the fat jar: {@code nc -N} (netcat-openbsd: send
 * stdin, {@code shutdown(SHUT_WR)}, print everything until EOF), or {@code socat} when nc is not the OpenBSD one,
 * through web's upstream listener → mTLS → echo's sidecar (each {@code tls_engine}) → the built-in echo app. What
 * comes back must be exactly what was sent (SHA-256). Without either tool the test is skipped with the reason, and
 * fails when the environment variable CI is "true" (CI must install netcat-openbsd or socat).
 */
class HalfCloseClientE2eTest {

    private static final long[] SIZES = {0, 6, 100 * 1024, 5 * 1024 * 1024};
    private static final int REPETITIONS = 2;

    @TempDir
    Path dir;

    @ParameterizedTest(name = "tls_engine {0}")
    @ValueSource(strings = {"openssl", "jdk"})
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void debianClientGetsEveryByteBack(String engine) throws Exception {
        List<String> client = client();
        DevMeshConf conf = DevMeshConf.withFreePorts();
        JsonArray services = conf.json().getJsonArray("services");
        for (int i = 0; i < services.size(); i++) {
            JsonObject def = services.getJsonObject(i);
            if (def.getString("name").equals("echo")) {
                def.getJsonObject("connect").getJsonObject("sidecar_service").getJsonObject("proxy")
                        .getJsonObject("config").put("tls_engine", engine);
            }
        }
        try (FatJarProcess dev = FatJarProcess.start(List.of("dev", "-conf", conf.write(dir).toString()), Map.of())) {
            dev.awaitLine(l -> l.startsWith("Local mesh is up"), Duration.ofSeconds(60));
            List<String> report = new ArrayList<>();
            int bad = 0;
            for (long size : SIZES) {
                Path in = dir.resolve("in-" + size);
                try (OutputStream out = Files.newOutputStream(in)) {
                    HalfCloseTraffic.writePayload(out, size);
                }
                Digest want = HalfCloseTraffic.expected(size, new byte[0]);
                for (int i = 0; i < REPETITIONS; i++) {
                    Digest got = run(client, conf.upstreamPort(), in);
                    if (!got.equals(want)) {
                        bad++;
                    }
                    report.add(size + " B: got " + got + " (want " + want + ")");
                }
            }
            assertEquals(0, bad, String.join(" ", client) + " through the dev mesh, tls_engine " + engine + ":\n"
                    + String.join("\n", report) + "\n" + dev.output());
        }
    }

    /** {@code nc -N} when it is netcat-openbsd, else socat; skip or fail (CI) when neither is installed. */
    private static List<String> client() throws Exception {
        if (succeeds(List.of("sh", "-c", "nc -h 2>&1 | grep -q 'OpenBSD netcat'"))) {
            return List.of("nc", "-N", "127.0.0.1");
        }
        if (succeeds(List.of("sh", "-c", "command -v socat"))) {
            return List.of("socat", "-t", "30", "-T", "60", "-", "TCP:127.0.0.1:");
        }
        String reason = "neither netcat-openbsd (nc -N) nor socat is installed (apt-get install netcat-openbsd socat)";
        if ("true".equals(System.getenv("CI"))) {
            fail(reason + ": CI must provide one to prove half-close with a real client");
        }
        Assumptions.abort(reason);
        return List.of();
    }

    private static Digest run(List<String> client, int port, Path input) throws Exception {
        List<String> cmd = new ArrayList<>(client);
        if (cmd.get(0).equals("nc")) {
            cmd.add(String.valueOf(port));
        } else {
            cmd.set(cmd.size() - 1, cmd.get(cmd.size() - 1) + port);
        }
        Process p = new ProcessBuilder(cmd).redirectInput(input.toFile())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        Digest got;
        try (InputStream out = p.getInputStream()) {
            got = HalfCloseTraffic.digest(out);
        }
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail(String.join(" ", cmd) + " did not end within 60 s after its output closed");
        }
        return got;
    }

    private static boolean succeeds(List<String> cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getInputStream().transferTo(OutputStream.nullOutputStream());
        return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
    }
}
