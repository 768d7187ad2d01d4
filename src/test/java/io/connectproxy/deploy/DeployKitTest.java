package io.connectproxy.deploy;

import io.connectproxy.config.HostPort;
import io.connectproxy.config.LaunchConfig;
import io.connectproxy.config.LaunchConfigResolver;
import io.connectproxy.metrics.JvmMeters;
import io.connectproxy.metrics.ProxyMetrics;
import io.connectproxy.runtime.ProxyRuntime;
import io.connectproxy.testsupport.EchoServer;
import io.connectproxy.testsupport.Http;
import io.connectproxy.testsupport.TestMesh;
import io.connectproxy.testsupport.Wire;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.concurrent.CompletableFuture;
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

    /** Words of PromQL that are not metric names (aggregations and functions are followed by "(" anyway). */
    private static final Set<String> PROMQL_WORDS = Set.of("by", "without", "on", "ignoring", "group_left",
            "group_right", "bool", "and", "or", "unless", "offset", "inf", "nan");
    /** Series Prometheus makes itself rather than scraping them. */
    private static final Set<String> SYNTHETIC = Set.of("up");
    private static final Pattern IDENTIFIER = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");

    /** The metric names a PromQL expression reads: identifiers left after strings, matchers, ranges, groupings. */
    static Set<String> metricNames(String expr) {
        String e = expr.replaceAll("\"[^\"]*\"", "\"\"")
                .replaceAll("\\{[^}]*}", " ")
                .replaceAll("\\[[^\\]]*]", " ")
                .replaceAll("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", " ")
                .replaceAll("\\$\\w+", " ");
        Set<String> names = new TreeSet<>();
        Matcher m = IDENTIFIER.matcher(e);
        while (m.find()) {
            String word = m.group();
            boolean isCall = e.substring(m.end()).stripLeading().startsWith("(");
            boolean isNumberSuffix = m.start() > 0 && Character.isDigit(e.charAt(m.start() - 1));
            if (!isCall && !isNumberSuffix && !PROMQL_WORDS.contains(word.toLowerCase())) {
                names.add(word);
            }
        }
        return names;
    }

    @Test
    void metricNamesAreExtractedFromPromQl() {
        assertEquals(Set.of("connect_proxy_upstream_dial_duration_seconds_bucket"), metricNames("histogram_quantile("
                + "0.99, sum by (destination, le) (rate(connect_proxy_upstream_dial_duration_seconds_bucket"
                + "{result=\"ok\", instance=~\"$instance\"}[5m]))) > 1"));
        assertEquals(Set.of("process_open_fds", "process_max_fds"),
                metricNames("process_open_fds / process_max_fds > 0.8"));
        assertEquals(Set.of("a_total", "b_total"), metricNames("sum(rate(a_total[1m])) / on (x) group_left "
                + "clamp_min(b_total offset 5m, 1e-3)"));
    }

    /** Every expression of the dashboard and the alert rules, with where it comes from. */
    @SuppressWarnings("unchecked")
    private static Map<String, String> kitExpressions() throws Exception {
        Map<String, String> out = new java.util.LinkedHashMap<>();
        Object rules = yamlDocuments(DEPLOY.resolve("prometheus/connect-proxy-alerts.yaml")).get(0);
        for (Object group : (List<Object>) get(rules, "groups")) {
            for (Object rule : (List<Object>) get(group, "rules")) {
                out.put("alert " + get(rule, "alert"), get(rule, "expr"));
            }
        }
        JsonObject dashboard = new JsonObject(Files.readString(DEPLOY.resolve("grafana/connect-proxy.json")));
        for (Object p : dashboard.getJsonArray("panels")) {
            JsonObject panel = (JsonObject) p;
            for (Object t : panel.getJsonArray("targets")) {
                out.put("panel " + panel.getString("title") + " " + ((JsonObject) t).getString("refId"),
                        ((JsonObject) t).getString("expr"));
            }
        }
        for (Object v : dashboard.getJsonObject("templating").getJsonArray("list")) {
            String query = ((JsonObject) v).getString("query");
            if (query != null && query.startsWith("label_values(")) {
                // label_values(metric, label): the metric alone
                out.put("variable " + ((JsonObject) v).getString("name"),
                        query.substring("label_values(".length(), query.indexOf(',')));
            }
        }
        return out;
    }

    /**
     * The dashboard's and the alert rules' queries read metrics that a real {@code /metrics} exports after
     * traffic (two sidecars in an in-process mesh, one with the JVM meters bound as in proxy mode), so neither
     * shows "no data" for a misspelt or renamed family.
     */
    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void dashboardAndAlertQueriesNameMetricsThatExist() throws Exception {
        Map<String, String> expressions = kitExpressions();
        assertTrue(expressions.size() >= 20, "too few expressions found: " + expressions);
        Vertx vertx = Vertx.vertx();
        Vertx webVertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));
        try (TestMesh mesh = TestMesh.start(vertx)) {
            EchoServer app = TestMesh.await(EchoServer.start(vertx));
            int webToEcho = TestMesh.freePort();
            mesh.registerWithSidecar("echo", app.port(), new JsonArray());
            mesh.registerWithSidecar("web", TestMesh.freePort(), new JsonArray()
                    .add(new JsonObject().put("destination_name", "echo").put("local_bind_port", webToEcho)));
            ProxyRuntime echo = mesh.startRuntime(launch("echo", mesh));
            PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            JvmMeters.bindInBackground(registry, CompletableFuture.completedFuture(null)).join(20_000);
            ProxyRuntime web = new ProxyRuntime(TestMesh.TIMING, new ProxyMetrics(registry));
            TestMesh.await(web.start(webVertx, launch("web", mesh)));
            assertEquals("hello", Wire.exchange(webToEcho, "hello", Duration.ofSeconds(10)));

            Set<String> exported = new TreeSet<>();
            for (ProxyRuntime r : List.of(echo, web)) {
                for (String line : Http.get(r.adminPort(), "/metrics").body().split("\n")) {
                    if (!line.isEmpty() && !line.startsWith("#")) {
                        exported.add(line.split("[{ ]", 2)[0]);
                    }
                }
            }
            List<String> missing = new ArrayList<>();
            Set<String> used = new TreeSet<>();
            expressions.forEach((where, expr) -> {
                Set<String> names = metricNames(expr);
                if (names.isEmpty()) {
                    missing.add(where + ": no metric in " + expr);
                }
                for (String name : names) {
                    used.add(name);
                    if (!exported.contains(name) && !SYNTHETIC.contains(name)) {
                        missing.add(where + ": " + name);
                    }
                }
            });
            assertEquals(List.of(), missing, "queries name metrics /metrics does not export; it has " + exported);
            assertTrue(used.size() >= 15, "the kits use only " + used);
        } finally {
            webVertx.close().await(10, TimeUnit.SECONDS);
            vertx.close().await(10, TimeUnit.SECONDS);
        }
    }

    private static LaunchConfig launch(String sidecarFor, TestMesh mesh) {
        LaunchConfig base = LaunchConfigResolver.resolve(Map.of("sidecar-for", sidecarFor, "http-addr",
                mesh.agent().httpAddr()), List.of(), Map.of());
        return new LaunchConfig(base.source(), base.agent(), new HostPort("127.0.0.1", 0), base.logLevel(), false,
                null);
    }
}
