package io.connectproxy.config;

import io.connectproxy.testsupport.LogCapture;
import io.vertx.core.Vertx;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

import static io.connectproxy.config.WatcherTestSupport.FAST;
import static io.connectproxy.config.WatcherTestSupport.await;
import static io.connectproxy.config.WatcherTestSupport.current;
import static io.connectproxy.config.WatcherTestSupport.next;
import static io.connectproxy.config.WatcherTestSupport.published;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(VertxExtension.class)
class ConfigWatcherVerticleFileTest {
    private static final Duration WAIT = Duration.ofSeconds(5);
    @TempDir
    Path dir;

    private static String config(int bindPort, int upstreamPort) {
        return "{\"service\":{\"name\":\"web\",\"port\":8080,\"connect\":{\"proxy\":{\"config\":{\"bind_port\":"
                + bindPort + ",\"upstreams\":[{\"destination_name\":\"redis\",\"local_bind_port\":" + upstreamPort
                + "}]}}}}}";
    }

    /** Replaces the file in one step, as editors and ConfigMap updates do. */
    private void write(Path file, String text) throws IOException {
        Path tmp = Files.createTempFile(dir, "next", ".json");
        Files.writeString(tmp, text);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    @Test
    @Timeout(value = 20, timeUnit = TimeUnit.SECONDS)
    void aValidChangeIsPublishedAndAnInvalidOneKeepsThePrevious(Vertx vertx) throws Exception {
        Path file = dir.resolve("web.json");
        write(file, config(21000, 1234));
        LaunchConfig launch = LaunchConfigResolver.resolve(Map.of("conf", file.toString()), List.of(), Map.of());
        BlockingQueue<ProxyConfig> bus = published(vertx);
        try (LogCapture log = new LogCapture(FileConfigWatch.class)) {
            ConfigWatcherVerticle watcher = new ConfigWatcherVerticle(launch, FAST);
            await(vertx.deployVerticle(watcher));

            ProxyConfig first = next(bus);
            assertEquals(21000, first.bindPort());
            assertSame(first, await(watcher.firstConfig()));
            assertEquals(first, current(vertx));

            write(file, config(21001, 1235));
            ProxyConfig changed = next(bus);
            assertEquals(21001, changed.bindPort());
            assertEquals(1235, changed.upstreams().get(0).localBindPort());
            assertEquals("file:" + file, changed.source());

            write(file, config(21002, 70000));
            log.await(WAIT, "service.connect.proxy.config.upstreams[0].local_bind_port: must be 1-65535, got 70000");
            assertTrue(log.contains("has an invalid change, keeping the previous config"), log.messages.toString());
            write(file, "{\"service\": {");
            log.await(WAIT, "is not a JSON object");
            Files.delete(file);
            log.await(WAIT, "is missing or unreadable; keeping the previous config");
            assertNull(bus.poll(300, TimeUnit.MILLISECONDS), "nothing is published for a broken file");
            assertEquals(changed, current(vertx));

            write(file, config(21003, 1236));
            assertEquals(21003, next(bus).bindPort());

            // rewriting the same content (e.g. touching the file) publishes nothing
            write(file, config(21003, 1236) + "\n");
            assertNull(bus.poll(400, TimeUnit.MILLISECONDS));
        }
    }

    @Test
    @Timeout(value = 10, timeUnit = TimeUnit.SECONDS)
    void staticFlagConfigIsPublishedAtOnce(Vertx vertx) throws Exception {
        LaunchConfig launch = LaunchConfigResolver.resolve(Map.of("service", "web"), List.of("redis:1234"), Map.of());
        BlockingQueue<ProxyConfig> bus = published(vertx);
        ConfigWatcherVerticle watcher = new ConfigWatcherVerticle(launch, FAST);
        await(vertx.deployVerticle(watcher));
        assertEquals("flags", next(bus).source());
        assertEquals("web", await(watcher.firstConfig()).serviceName());
        assertEquals(1234, current(vertx).upstreams().get(0).localBindPort());
    }
}
