import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.OpenSSLEngineOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The memory floor of the sidecar's stack (bench/run.sh, floor rows): the libraries the product is built on
 * (Vert.x 5, Netty's native transport, netty-tcnative's BoringSSL) doing one mTLS exchange and nothing else, in a
 * JVM started with the sidecar's flags. Its idle RSS is what a sidecar would cost with all of the proxy's own
 * work removed: no agent client, configuration, metrics, discovery or intentions.
 *
 *   java [the sidecar's JVM flags] -cp proxy-fat.jar:DIR StackFloor CERT.pem KEY.pem ROOTS.pem SECONDS
 *
 * CERT/KEY: a leaf and its key from the dev agent, ROOTS its CA. Prints "ready" after the exchange, then idles for
 * SECONDS (so that its RSS is read the same way as an idle sidecar's) and exits.
 */
public final class StackFloor {
    public static void main(String[] args) throws Exception {
        if (args.length != 4) {
            System.err.println("usage: StackFloor CERT.pem KEY.pem ROOTS.pem SECONDS");
            System.exit(2);
        }
        // as the sidecar's cli/Main: without it Netty's first buffer registers its JFR events (~100 ms of a start),
        // which the product no longer pays, and the floor would sit above what the stack really needs
        if (System.getProperty("io.netty.jfr.enabled") == null) {
            System.setProperty("io.netty.jfr.enabled", "false");
        }
        PemKeyCertOptions identity = new PemKeyCertOptions().setCertPath(args[0]).setKeyPath(args[1]);
        PemTrustOptions roots = new PemTrustOptions().addCertPath(args[2]);
        Vertx vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(true).setEventLoopPoolSize(2));
        if (!vertx.isNativeTransportEnabled()) {
            System.err.println("StackFloor: no native transport: " + vertx.unavailableNativeTransportCause());
            System.exit(1);
        }
        NetServer server = vertx.createNetServer(new NetServerOptions().setHost("127.0.0.1").setPort(0)
                .setSsl(true).setClientAuth(ClientAuth.REQUIRED).setKeyCertOptions(identity)
                .setTrustOptions(roots).setSslEngineOptions(new OpenSSLEngineOptions()));
        server.connectHandler(socket -> socket.handler(socket::write));
        NetClient client = vertx.createNetClient(new NetClientOptions().setSsl(true).setKeyCertOptions(identity)
                .setTrustOptions(roots).setHostnameVerificationAlgorithm("")
                .setSslEngineOptions(new OpenSSLEngineOptions()));
        CompletableFuture<String> echoed = new CompletableFuture<>();
        server.listen()
                .compose(s -> client.connect(s.actualPort(), "127.0.0.1"))
                .compose(socket -> {
                    socket.handler(b -> {
                        echoed.complete(b.toString());
                        socket.close();
                    });
                    return socket.write(Buffer.buffer("floor"));
                })
                .onFailure(echoed::completeExceptionally);
        String answer = echoed.get(30, TimeUnit.SECONDS);
        if (!"floor".equals(answer)) {
            System.err.println("StackFloor: echoed '" + answer + "'");
            System.exit(1);
        }
        System.out.println("ready");
        Thread.sleep(Long.parseLong(args[3]) * 1000);
        vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
}
