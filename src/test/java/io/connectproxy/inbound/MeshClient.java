package io.connectproxy.inbound;

import io.connectproxy.devagent.DevCa;
import io.connectproxy.identity.CertificateIds;
import io.connectproxy.identity.IdentityException;
import io.connectproxy.identity.Pem;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.Principal;
import java.security.cert.X509Certificate;
import java.util.List;

import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * A mesh client as another sidecar would be, but with the JDK's blocking {@link SSLSocket} so a test can drive
 * it step by step (write, shutdownOutput, read) from its own thread: a leaf (or none) and the roots it trusts.
 * Host name checks are off, as in the mesh; the test looks at the server's certificate itself.
 */
final class MeshClient {
    private final SSLContext context;
    private final String[] protocols;

    private MeshClient(SSLContext context, String... protocols) {
        this.context = context;
        this.protocols = protocols;
    }

    /** A client presenting {@code leaf} (chain PEM + key PEM, as the dev agent issues them). */
    static MeshClient of(DevCa.IssuedLeaf leaf, List<String> rootPems) {
        return of(leaf.certPem(), leaf.privateKeyPem(), rootPems);
    }

    static MeshClient of(String chainPem, String keyPem, List<String> rootPems) {
        try {
            List<X509Certificate> chain = Pem.certificates(chainPem, "client chain");
            PrivateKey key = Pem.privateKey(keyPem);
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry("leaf", key, new char[0], chain.toArray(new Certificate[0]));
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, new char[0]);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(new KeyManager[] {new AlwaysPresent((X509ExtendedKeyManager) kmf.getKeyManagers()[0])},
                    trust(rootPems), null);
            return new MeshClient(ctx, "TLSv1.3", "TLSv1.2");
        } catch (GeneralSecurityException | IOException | IdentityException e) {
            throw new IllegalStateException("cannot build the test client", e);
        }
    }

    /** A client with no certificate at all. */
    static MeshClient anonymous(List<String> rootPems) {
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, trust(rootPems), null);
            return new MeshClient(ctx, "TLSv1.3", "TLSv1.2");
        } catch (GeneralSecurityException | IOException | IdentityException e) {
            throw new IllegalStateException("cannot build the test client", e);
        }
    }

    /** The same identity speaking only the given protocol versions (e.g. "TLSv1.1"). */
    MeshClient withProtocols(String... only) {
        return new MeshClient(context, only);
    }

    /** Connects and completes the handshake (from the client's side: under TLS 1.3 the server may still refuse). */
    SSLSocket connect(int port) throws IOException {
        SSLSocket s = open(port);
        try {
            s.startHandshake();
        } catch (IOException e) {
            s.close();
            throw e;
        }
        return s;
    }

    /** Connected over TCP, handshake not started: the local port is known even if the handshake then fails. */
    SSLSocket open(int port) throws IOException {
        SSLSocket s = (SSLSocket) context.getSocketFactory().createSocket();
        s.setEnabledProtocols(protocols);
        s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
        s.setSoTimeout(5000);
        return s;
    }

    /** The serial of the certificate the server presented. */
    static String serverSerial(SSLSocket s) throws IOException {
        return CertificateIds.serial((X509Certificate) s.getSession().getPeerCertificates()[0]);
    }

    /** Writes {@code text} and reads exactly as many bytes back. */
    static String roundTrip(SSLSocket s, String text) throws IOException {
        byte[] out = text.getBytes(StandardCharsets.UTF_8);
        s.getOutputStream().write(out);
        s.getOutputStream().flush();
        byte[] in = s.getInputStream().readNBytes(out.length);
        return new String(in, StandardCharsets.UTF_8);
    }

    /**
     * Reads until the server ends the connection. Returns what was read before the end; an end by alert or reset
     * counts as an end too (that is how a TLS 1.3 server refuses a client after the client's handshake finished).
     * Fails only when nothing ends it within the socket timeout.
     */
    static String readUntilClosed(SSLSocket s) throws IOException {
        StringBuilder got = new StringBuilder();
        InputStream in = s.getInputStream();
        byte[] buf = new byte[4096];
        try {
            int n;
            while ((n = in.read(buf)) >= 0) {
                got.append(new String(buf, 0, n, StandardCharsets.UTF_8));
            }
        } catch (SocketTimeoutException e) {
            throw e;
        } catch (IOException e) {
            // alert, reset: the server ended it
        }
        return got.toString();
    }

    private static javax.net.ssl.TrustManager[] trust(List<String> rootPems)
            throws GeneralSecurityException, IOException, IdentityException {
        KeyStore ts = KeyStore.getInstance("PKCS12");
        ts.load(null, null);
        int i = 0;
        for (String pem : rootPems) {
            for (X509Certificate c : Pem.certificates(pem, "root")) {
                ts.setCertificateEntry("root" + i++, c);
            }
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ts);
        return tmf.getTrustManagers();
    }

    /**
     * Presents the leaf whatever CAs the server says it accepts. The JDK's own key manager sends an empty chain
     * when the leaf's issuer is not in the server's list, so a "certificate from another CA" would never be sent
     * at all; a misconfigured or hostile peer does send it.
     */
    private static final class AlwaysPresent extends X509ExtendedKeyManager {
        private final X509ExtendedKeyManager keys;

        AlwaysPresent(X509ExtendedKeyManager keys) {
            this.keys = keys;
        }

        @Override
        public String chooseClientAlias(String[] keyType, Principal[] issuers, java.net.Socket socket) {
            return "leaf";
        }

        @Override
        public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
            return "leaf";
        }

        @Override
        public String[] getClientAliases(String keyType, Principal[] issuers) {
            return new String[] {"leaf"};
        }

        @Override
        public String[] getServerAliases(String keyType, Principal[] issuers) {
            return keys.getServerAliases(keyType, issuers);
        }

        @Override
        public String chooseServerAlias(String keyType, Principal[] issuers, java.net.Socket socket) {
            return keys.chooseServerAlias(keyType, issuers, socket);
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
            return keys.getCertificateChain(alias);
        }

        @Override
        public PrivateKey getPrivateKey(String alias) {
            return keys.getPrivateKey(alias);
        }
    }
}
