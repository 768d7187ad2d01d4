package io.connectproxy.identity;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.connectproxy.testsupport.Fixtures;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.ServerSSLOptions;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The real agent's leaf, key and roots are usable by both TLS engines, including its SEC1 EC key as is. */
@ExtendWith(VertxExtension.class)
class ConsulFixtureTlsTest {

    @ParameterizedTest
    @EnumSource(TlsEngine.class)
    @Timeout(value = 10, timeUnit = TimeUnit.SECONDS)
    void rawSec1KeyAndConvertedIdentityBothLoad(TlsEngine engine, Vertx vertx, VertxTestContext ctx)
            throws Exception {
        JsonObject leaf = Fixtures.json("ca-leaf-web");
        JsonObject roots = Fixtures.json("ca-roots");
        String rawKey = leaf.getString("PrivateKeyPEM");
        assertTrue(rawKey.startsWith("-----BEGIN EC PRIVATE KEY-----"), () -> String.valueOf(rawKey));
        TlsIdentity id = TlsIdentity.build(leaf.getString("CertPEM"), rawKey,
                List.of(roots.getJsonArray("Roots").getJsonObject(0).getString("RootCert")), List.of(),
                roots.getString("TrustDomain"), Instant.parse(leaf.getString("ValidAfter")).plusSeconds(60));

        ServerSSLOptions asConsulWroteIt = MeshTlsOptions.server(id).setKeyCertOptions(new PemKeyCertOptions()
                .addKeyValue(Buffer.buffer(rawKey)).addCertValue(Buffer.buffer(leaf.getString("CertPEM"))));
        // listen builds the SslContext, so a key the engine cannot load fails here
        vertx.createNetServer(MeshTlsOptions.serverOptions(new NetServerOptions(), asConsulWroteIt, engine))
                .connectHandler(s -> { })
                .listen(0, "127.0.0.1")
                .compose(s -> vertx.createNetServer(MeshTlsOptions.serverOptions(new NetServerOptions(),
                        MeshTlsOptions.server(id), engine)).connectHandler(x -> { }).listen(0, "127.0.0.1"))
                .onComplete(ctx.succeedingThenComplete());
    }
}
