package io.connectproxy.devagent;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * The dev agent's certificate authority (BouncyCastle, EC P-256), shaped like Consul's built-in "consul" provider:
 * a self-signed root with URI SAN {@code spiffe://<trust-domain>} and leaves with one SPIFFE URI SAN. Rotation
 * makes a new active root, keeps the old one listed and cross-signs the new one with the old key.
 * Thread-safe: tests may issue certificates from their own threads.
 */
public final class DevCa {

    /** A signed leaf: the chain (leaf first, then Consul's intermediates) and its SEC1 private key, in PEM. */
    public record IssuedLeaf(String certPem, String privateKeyPem, String serialHex, Instant validAfter,
                             Instant validBefore) {
    }

    static final String ROOT_NAME = "Consul CA Root Cert";
    private static final Duration ROOT_LIFETIME = Duration.ofDays(3652);
    /** Consul signs leaves valid from a minute ago to absorb clock drift. */
    private static final Duration BACKDATE = Duration.ofMinutes(1);
    private static final String ALPHANUMERIC = "abcdefghijklmnopqrstuvwxyz0123456789";

    private final SecureRandom random = new SecureRandom();
    private final String clusterId;
    private final String trustDomain;
    private final String datacenter;
    private final List<CaRootRecord> roots = new ArrayList<>();
    private long nextSerial = 1;

    DevCa(String clusterId, String datacenter, long index) {
        this.clusterId = clusterId;
        this.trustDomain = clusterId + ".consul";
        this.datacenter = datacenter;
        roots.add(newRoot(index, null));
    }

    /** The CA as a data directory kept it: the same cluster id, roots with their keys, and serial counter. */
    DevCa(String clusterId, String datacenter, List<CaRootRecord> savedRoots, long nextSerial) {
        this.clusterId = clusterId;
        this.trustDomain = clusterId + ".consul";
        this.datacenter = datacenter;
        this.roots.addAll(savedRoots);
        this.nextSerial = nextSerial;
        if (roots.stream().filter(CaRootRecord::active).count() != 1) {
            throw new IllegalArgumentException("saved CA: expected exactly one active root among " + roots.size());
        }
    }

    synchronized long nextSerial() {
        return nextSerial;
    }

    /** "&lt;cluster uuid&gt;.consul". */
    public String trustDomain() {
        return trustDomain;
    }

    String clusterId() {
        return clusterId;
    }

    /** spiffe://&lt;trust-domain&gt;/ns/default/dc/&lt;dc&gt;/svc/&lt;service&gt;. */
    public String serviceUri(String service) {
        return "spiffe://" + trustDomain + "/ns/default/dc/" + datacenter + "/svc/" + service;
    }

    /** The active root certificate, PEM. */
    public synchronized String activeRootPem() {
        return active().certificatePem();
    }

    /** Every root still listed (active first), PEM; peers should trust all of them. */
    public synchronized List<String> rootPems() {
        List<String> out = new ArrayList<>();
        out.add(active().certificatePem());
        roots.stream().filter(r -> !r.active()).forEach(r -> out.add(r.certificatePem()));
        return out;
    }

    /** A leaf for a service, with Consul's CN and SPIFFE URI, signed by the active root. */
    public IssuedLeaf issueServiceLeaf(String service, Duration ttl) {
        return issueLeaf(serviceUri(service), serviceCommonName(service), ttl);
    }

    /**
     * Issues a leaf for any URI SAN (e.g. spiffe://td/agent/client/dc/dc1/id/node for tests of non-service ids).
     * Valid from one minute ago (only when the TTL is long enough for that not to matter) for {@code ttl}.
     */
    public IssuedLeaf issueLeaf(String spiffeUri, String commonName, Duration ttl) {
        Objects.requireNonNull(spiffeUri, "spiffeUri");
        return issue(spiffeUri, commonName, ttl);
    }

    /** A leaf with no URI SAN at all, signed by the active root (tests of peers that carry no mesh identity). */
    public IssuedLeaf issueLeafWithoutUri(String commonName, Duration ttl) {
        return issue(null, commonName, ttl);
    }

    private IssuedLeaf issue(String spiffeUri, String commonName, Duration ttl) {
        Objects.requireNonNull(commonName, "commonName");
        if (ttl.isZero() || ttl.isNegative()) {
            throw new IllegalArgumentException("leaf TTL must be positive, got " + ttl);
        }
        KeyPair keys = CaCrypto.newKeyPair();
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        // a short test TTL must not end up in the past: backdate only when the TTL dwarfs the minute
        Instant validAfter = ttl.compareTo(Duration.ofMinutes(10)) >= 0 ? now.minus(BACKDATE) : now;
        Instant validBefore = validAfter.plus(ttl).truncatedTo(ChronoUnit.SECONDS);
        if (!validBefore.isAfter(now)) {
            validBefore = now.plusSeconds(1);
        }
        synchronized (this) {
            CaRootRecord root = active();
            BigInteger serial = BigInteger.valueOf(nextSerial++);
            X509Certificate leaf = CaCrypto.leaf(keys.getPublic(), root.certificate(), root.signingKey(), commonName,
                spiffeUri, List.of(), serial, validAfter, validBefore);
            StringBuilder chain = new StringBuilder(CaCrypto.certificatePem(leaf));
            for (String intermediate : root.intermediatePems()) {
                chain.append(intermediate.endsWith("\n") ? intermediate : intermediate + "\n");
            }
            return new IssuedLeaf(chain.toString(), CaCrypto.ecPrivateKeyPem(keys),
                CaCrypto.colonHex(CaCrypto.serialBytes(serial)), validAfter, validBefore);
        }
    }

    /** Consul's leaf CN: &lt;service&gt;.svc.&lt;ns&gt;.&lt;first 8 of the trust domain&gt;.consul. */
    String serviceCommonName(String service) {
        String safe = service.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]", "");
        return safe + ".svc.default." + clusterId.substring(0, 8) + ".consul";
    }

    synchronized CaRootRecord active() {
        return roots.stream().filter(CaRootRecord::active).findFirst().orElseThrow();
    }

    /** Roots as listed: the active one first, then the retired ones. */
    synchronized List<CaRootRecord> roots() {
        List<CaRootRecord> out = new ArrayList<>();
        out.add(active());
        roots.stream().filter(r -> !r.active()).forEach(out::add);
        return out;
    }

    /** Makes a new active root at {@code index}; the old one stays listed as inactive. */
    synchronized CaRootRecord rotate(long index) {
        CaRootRecord old = active();
        CaRootRecord fresh = newRoot(index, old);
        roots.replaceAll(r -> r.active() ? r.retired(index) : r);
        roots.add(fresh);
        return fresh;
    }

    private CaRootRecord newRoot(long index, CaRootRecord previous) {
        KeyPair keys = CaCrypto.newKeyPair();
        Instant notBefore = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        Instant notAfter = notBefore.plus(ROOT_LIFETIME);
        BigInteger serial = BigInteger.valueOf(nextSerial++);
        String commonName = "pri-" + randomAlphanumeric(8) + ".consul.ca." + clusterId.substring(0, 8) + ".consul";
        X509Certificate cert = CaCrypto.root(keys, commonName, trustDomain, serial, notBefore, notAfter);
        List<String> intermediates = new ArrayList<>();
        if (previous != null) {
            Instant crossNotAfter = previous.notAfter().isBefore(notAfter) ? previous.notAfter() : notAfter;
            X509Certificate cross = CaCrypto.crossSign(cert, previous.certificate(), previous.signingKey(), trustDomain,
                BigInteger.valueOf(nextSerial++), notBefore, crossNotAfter);
            intermediates.add(CaCrypto.certificatePem(cross));
        }
        return new CaRootRecord(CaCrypto.fingerprint(cert), ROOT_NAME, serial,
            CaCrypto.colonHex(CaCrypto.keyId(keys.getPublic())), cert, CaCrypto.certificatePem(cert),
            keys.getPrivate(), List.copyOf(intermediates), notBefore, notAfter, true, index, index);
    }

    private String randomAlphanumeric(int length) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < length; i++) {
            out.append(ALPHANUMERIC.charAt(random.nextInt(ALPHANUMERIC.length())));
        }
        return out.toString();
    }
}
