package io.connectproxy.identity;

import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509KeyManager;
import javax.net.ssl.X509TrustManager;

import io.netty.handler.ssl.OpenSslSessionTicketKey;

/**
 * The public listener's TLS session ticket key, derived from a secret of this process and the identity the
 * listener serves (its leaf chain and the roots it trusts). Every TLS context built for one identity — one per event
 * loop, or rebuilt by Vert.x — gets the same key, so a ticket issued on one event loop resumes on any other; a new
 * leaf or new roots give another key, so no ticket from before a rotation or a CA change is accepted after it (the
 * client then makes a full handshake and is checked against the current roots). The secret never leaves the
 * process, so tickets do not survive a restart.
 */
final class SessionTicketKeys {
    private static final byte[] PROCESS_SECRET = new byte[32];

    static {
        new SecureRandom().nextBytes(PROCESS_SECRET);
    }

    private SessionTicketKeys() {
    }

    /** The leaf chain the key manager serves (first alias of any key type), or an empty list. */
    static List<X509Certificate> leafChain(KeyManagerFactory kmf) {
        if (kmf == null) {
            return List.of();
        }
        for (KeyManager km : kmf.getKeyManagers()) {
            if (km instanceof X509KeyManager x) {
                for (String type : new String[] {"EC", "RSA", "EdDSA", "Ed25519"}) {
                    String[] aliases = x.getServerAliases(type, null);
                    if (aliases != null && aliases.length > 0) {
                        X509Certificate[] chain = x.getCertificateChain(aliases[0]);
                        if (chain != null && chain.length > 0) {
                            return List.of(chain);
                        }
                    }
                }
            }
        }
        return List.of();
    }

    /** The key for the identity served with {@code kmf} and trusting {@code tmf}. */
    static OpenSslSessionTicketKey derive(KeyManagerFactory kmf, TrustManagerFactory tmf) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(PROCESS_SECRET, "HmacSHA256"));
            for (X509Certificate c : leafChain(kmf)) {
                mac.update(c.getEncoded());
            }
            mac.update((byte) 0);
            for (X509Certificate root : roots(tmf)) {
                mac.update(root.getEncoded());
            }
            byte[] seed = mac.doFinal();
            return new OpenSslSessionTicketKey(expand(seed, 1), expand(seed, 2), expand(seed, 3));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot derive the session ticket key", e);
        }
    }

    /** Sorted by encoding, so the same set of roots gives the same key whatever the order the agent sent. */
    private static List<X509Certificate> roots(TrustManagerFactory tmf) throws GeneralSecurityException {
        List<X509Certificate> out = new ArrayList<>();
        if (tmf != null) {
            for (TrustManager tm : tmf.getTrustManagers()) {
                if (tm instanceof X509TrustManager x) {
                    out.addAll(Arrays.asList(x.getAcceptedIssuers()));
                }
            }
        }
        List<byte[]> encoded = new ArrayList<>();
        for (X509Certificate c : out) {
            encoded.add(c.getEncoded());
        }
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < out.size(); i++) {
            order.add(i);
        }
        order.sort(Comparator.comparing(i -> encoded.get(i), Arrays::compare));
        return order.stream().map(out::get).toList();
    }

    /** 16 bytes for one part of the key (name, HMAC key, AES key). */
    private static byte[] expand(byte[] seed, int part) throws GeneralSecurityException {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(seed, "HmacSHA256"));
        mac.update((byte) part);
        return Arrays.copyOf(mac.doFinal(), 16);
    }
}
