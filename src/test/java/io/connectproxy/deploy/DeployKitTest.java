package io.connectproxy.deploy;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The deployment kits under deploy/ are what operators copy: they must at least parse and keep the settings that
 * make a sidecar safe to run (probes on the admin port the proxy is told to bind, a read-only root with a writable
 * /tmp for the native libraries, the token as a file, a stop timeout longer than the drain).
 */
class DeployKitTest {
    private static final Path DEPLOY = Path.of("deploy");

    @SuppressWarnings("unchecked")
    private static <T> T get(Object node, String... path) {
        Object cur = node;
        for (String key : path) {
            assertTrue(cur instanceof Map, "no map at " + key + " in " + cur);
            cur = ((Map<String, Object>) cur).get(key);
        }
        return (T) cur;
    }

    private static List<Object> yamlDocuments(Path file) throws Exception {
        List<Object> docs = new ArrayList<>();
        for (Object doc : new Yaml(new SafeConstructor(new LoaderOptions())).loadAll(Files.readString(file))) {
            docs.add(doc);
        }
        return docs;
    }

    @Test
    void kubernetesPodRunsTheSidecarSafely() throws Exception {
        List<Object> docs = yamlDocuments(DEPLOY.resolve("kubernetes/web-with-connect-proxy.yaml"));
        Object pod = docs.stream().filter(d -> "Pod".equals(get(d, "kind"))).findFirst().orElseThrow();
        Object secret = docs.stream().filter(d -> "Secret".equals(get(d, "kind"))).findFirst().orElseThrow();
        List<Object> containers = get(pod, "spec", "containers");
        Object proxy = containers.stream().filter(c -> "connect-proxy".equals(get(c, "name"))).findFirst()
                .orElseThrow();

        List<String> args = get(proxy, "args");
        String adminBind = args.get(args.indexOf("-admin-bind") + 1);
        int adminPort = Integer.parseInt(adminBind.substring(adminBind.lastIndexOf(':') + 1));
        assertEquals("/ready", get(proxy, "readinessProbe", "httpGet", "path"));
        assertEquals(adminPort, (Integer) get(proxy, "readinessProbe", "httpGet", "port"));
        assertEquals(adminPort, (Integer) get(proxy, "startupProbe", "httpGet", "port"));
        assertEquals("/health", get(proxy, "livenessProbe", "httpGet", "path"));
        assertNotNull(get(proxy, "resources", "limits", "memory"), "memory limit");
        assertEquals(Boolean.TRUE, get(proxy, "securityContext", "readOnlyRootFilesystem"));

        List<Object> env = get(proxy, "env");
        assertFalse(env.stream().anyMatch(e -> "CONSUL_HTTP_TOKEN".equals(get(e, "name"))),
                "a token in the environment is visible to anything that reads the process environment");
        String tokenFile = env.stream().filter(e -> "CONSUL_HTTP_TOKEN_FILE".equals(get(e, "name")))
                .map(e -> (String) get(e, "value")).findFirst().orElseThrow();
        List<Object> mounts = get(proxy, "volumeMounts");
        Object tokenMount = mounts.stream().filter(m -> tokenFile.startsWith((String) get(m, "mountPath")))
                .findFirst().orElseThrow(() -> new AssertionError("no mount holds " + tokenFile));
        assertTrue(mounts.stream().anyMatch(m -> "/tmp".equals(get(m, "mountPath"))), "no writable /tmp");
        List<Object> volumes = get(pod, "spec", "volumes");
        Object tokenVolume = volumes.stream().filter(v -> get(tokenMount, "name").equals(get(v, "name")))
                .findFirst().orElseThrow();
        assertEquals((String) get(secret, "metadata", "name"), (String) get(tokenVolume, "secret", "secretName"));
        assertTrue((Integer) get(pod, "spec", "terminationGracePeriodSeconds") > 8,
                "the pod must outlive the 8 s default drain");
    }

    @Test
    void nomadJobKeepsTheSameSettings() throws Exception {
        String job = Files.readString(DEPLOY.resolve("nomad/web.nomad.hcl"));
        assertTrue(job.contains("sidecar_task {"), "connect-proxy must be the Connect sidecar task");
        assertTrue(job.contains("image = \"connect-proxy:latest\""), job);
        assertTrue(job.contains("readonly_rootfs = true"), "read-only root");
        assertTrue(job.contains("target   = \"/tmp\""), "a tmpfs on /tmp for the native libraries");
        assertTrue(job.contains("CONSUL_HTTP_TOKEN_FILE"), "the token as a file");
        assertFalse(job.matches("(?s).*\\bCONSUL_HTTP_TOKEN\\s*=.*"), "no token in the environment");
        assertTrue(job.contains("kill_timeout = \"15s\""), "stop timeout longer than the drain");
        assertTrue(job.contains("path     = \"/ready\""), "a check on /ready");
        assertEquals(job.chars().filter(c -> c == '{').count(), job.chars().filter(c -> c == '}').count(),
                "unbalanced braces");
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void systemdUnitVerifies(@TempDir Path dir) throws Exception {
        Path analyze = Path.of("/usr/bin/systemd-analyze");
        Assumptions.assumeTrue(Files.isExecutable(analyze) || "true".equals(System.getenv("CI")),
                "systemd-analyze is not installed here");
        String unit = Files.readString(DEPLOY.resolve("systemd/connect-proxy@.service"));
        assertTrue(unit.contains("ExecStart=/opt/connect-proxy/bin/connect-proxy -sidecar-for %i"), unit);
        assertTrue(unit.contains("CONSUL_HTTP_TOKEN_FILE=%d/consul-token"), "the token as a credential file");
        // verify checks that ExecStart's binary exists: point it at this checkout's launcher
        Path instance = dir.resolve("connect-proxy@web.service");
        Files.writeString(instance, unit.replace("/opt/connect-proxy/bin/connect-proxy",
                Path.of("bin/connect-proxy").toAbsolutePath().toString()));
        Process p = new ProcessBuilder(analyze.toString(), "verify", instance.toString()).redirectErrorStream(true)
                .start();
        assertTrue(p.waitFor(50, TimeUnit.SECONDS), "systemd-analyze did not finish");
        String out = new String(p.getInputStream().readAllBytes());
        // it exits 0 on unknown keys and bad values, printing them: any output is a finding
        assertEquals(0, p.exitValue(), out);
        assertEquals("", out.trim());
    }
}
