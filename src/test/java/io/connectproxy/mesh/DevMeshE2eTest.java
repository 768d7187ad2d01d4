package io.connectproxy.mesh;

import io.connectproxy.testsupport.Wire;
import io.connectproxy.testsupport.FatJarProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Acceptance 10 of issue 4, the README's first command: {@code java -jar proxy-fat.jar dev -conf
 * conf/dev-mesh.json} (a copy with free ports) brings up the agent, the echo app and both sidecars, prints what to
 * try, and bytes pushed into web's upstream come back through the mesh.
 */
class DevMeshE2eTest {
    @TempDir
    Path dir;

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void oneCommandMeshEchoesThroughWebsUpstream() throws Exception {
        DevMeshConf conf = DevMeshConf.withFreePorts();
        try (FatJarProcess dev = FatJarProcess.start(List.of("dev", "-conf", conf.write(dir).toString()), Map.of())) {
            dev.awaitLine(l -> l.startsWith("Local mesh is up"), Duration.ofSeconds(45));
            dev.awaitLine(l -> l.trim().equals("nc 127.0.0.1 " + conf.upstreamPort()), Duration.ofSeconds(2));
            dev.awaitLine(l -> l.contains("python3 -c") && l.contains(String.valueOf(conf.upstreamPort())),
                    Duration.ofSeconds(2));
            assertEquals("typed into nc\n", Wire.exchange(conf.upstreamPort(), "typed into nc\n",
                    Duration.ofSeconds(5)));
            assertTrue(dev.stdout().contains("echo: built-in echo app on 127.0.0.1:" + conf.echoAppPort()),
                    dev.stdout());
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aTakenUpstreamPortStopsItWithAClearMessage() throws Exception {
        DevMeshConf conf = DevMeshConf.withFreePorts();
        try (ServerSocket squatter = new ServerSocket(conf.upstreamPort(), 1, InetAddress.getLoopbackAddress());
             FatJarProcess dev = FatJarProcess.start(List.of("dev", "-conf", conf.write(dir).toString()),
                     Map.of())) {
            assertEquals(1, dev.awaitExit(Duration.ofSeconds(30)), dev.output());
            assertTrue(dev.stderr().contains("already in use: 127.0.0.1:" + conf.upstreamPort()
                    + " (web's upstream to echo)"), dev.output());
        }
    }
}
