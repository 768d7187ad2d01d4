package io.connectproxy.identity;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CertPathBuilder;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertStore;
import java.security.cert.CollectionCertStoreParameters;
import java.security.cert.PKIXBuilderParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509CertSelector;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The proxy's mesh identity at one point in time: its leaf (plus intermediates), the matching private key, the
 * roots it trusts, and what it is (SPIFFE id, serial, expiry). Immutable and only ever built whole by
 * {@link #build}: a rotation either yields a complete, consistent identity or an {@link IdentityException}, so the
 * previous identity stays in use.
 *
 * @param chain          leaf first, then intermediates, as presented in the handshake
 * @param privateKey     the leaf's key
 * @param roots          every root the agent listed (old and new during a CA rotation)
 * @param chainPem       {@code chain} as PEM, for Vert.x key/cert options
 * @param privateKeyPem  the key as PKCS#8 PEM, for Vert.x key/cert options
 * @param rootPems       one PEM per root, for Vert.x trust options
 * @param spiffeId       the service id in the leaf's URI SAN
 * @param serial         leaf serial in Consul's format ({@code 09}, {@code 2a:8f:…})
 * @param notAfter       leaf expiry
 * @param trustDomain    the trust domain the roots answer named
 * @param rootIds        Consul root ids (SHA-1 fingerprints), same order as {@code roots}
 * @param rootSubjects   root subjects, same order as {@code roots}, for logs
 */
public record TlsIdentity(
        List<X509Certificate> chain,
        PrivateKey privateKey,
        List<X509Certificate> roots,
        String chainPem,
        String privateKeyPem,
        List<String> rootPems,
        SpiffeId spiffeId,
        String serial,
        Instant notAfter,
        String trustDomain,
        List<String> rootIds,
        List<String> rootSubjects) {

    public TlsIdentity {
        chain = List.copyOf(chain);
        roots = List.copyOf(roots);
        rootPems = List.copyOf(rootPems);
        rootIds = List.copyOf(rootIds);
        rootSubjects = List.copyOf(rootSubjects);
        Objects.requireNonNull(privateKey, "privateKey");
        Objects.requireNonNull(spiffeId, "spiffeId");
        Objects.requireNonNull(notAfter, "notAfter");
        if (chain.isEmpty() || roots.isEmpty()) {
            throw new IllegalArgumentException("chain and roots must not be empty");
        }
    }

    /** {@link #build(String, String, List, List, String, Instant)} with no separate intermediates, checked now. */
    public static TlsIdentity build(String leafCertPem, String privateKeyPem, List<String> rootCertPems,
                                    String trustDomain) throws IdentityException {
        return build(leafCertPem, privateKeyPem, rootCertPems, List.of(), trustDomain, Instant.now());
    }

    /**
     * Parses and cross-checks everything, all or nothing.
     *
     * @param leafCertPem       the agent's {@code CertPEM}: the leaf, possibly followed by intermediates
     * @param privateKeyPem     the agent's {@code PrivateKeyPEM} (SEC1 EC, PKCS#8 or PKCS#1 RSA)
     * @param rootCertPems      every {@code Roots[].RootCert}
     * @param intermediatePems  every {@code Roots[].IntermediateCerts} entry (may be empty)
     * @param trustDomain       the roots answer's {@code TrustDomain}
     * @param validationTime    the instant the chain must be valid at (normally now)
     */
    public static TlsIdentity build(String leafCertPem, String privateKeyPem, List<String> rootCertPems,
                                    List<String> intermediatePems, String trustDomain, Instant validationTime)
            throws IdentityException {
        if (trustDomain == null || trustDomain.isBlank()) {
            throw new IdentityException(IdentityException.Reason.MISSING_INPUT, "trust domain is empty");
        }
        if (rootCertPems == null || rootCertPems.isEmpty()) {
            throw new IdentityException(IdentityException.Reason.MISSING_INPUT, "no CA roots given");
        }
        List<X509Certificate> chain = Pem.certificates(leafCertPem, "leaf certificate");
        X509Certificate leaf = chain.get(0);
        Pem.KeyWithPublic parsedKey = Pem.privateKeyAndStoredPublicKey(privateKeyPem);
        PrivateKey key = parsedKey.privateKey();
        List<X509Certificate> roots = new ArrayList<>();
        for (int i = 0; i < rootCertPems.size(); i++) {
            roots.addAll(Pem.certificates(rootCertPems.get(i), "root " + i));
        }
        List<X509Certificate> intermediates = new ArrayList<>(chain.subList(1, chain.size()));
        for (int i = 0; intermediatePems != null && i < intermediatePems.size(); i++) {
            for (X509Certificate c : Pem.certificates(intermediatePems.get(i), "intermediate " + i)) {
                if (!intermediates.contains(c)) {
                    intermediates.add(c);
                }
            }
        }

        requireKeyMatches(key, parsedKey.storedPublicKey(), leaf.getPublicKey());
        requireChainsToRoots(leaf, intermediates, roots, validationTime);
        chain = presentedChain(leaf, intermediates);
        SpiffeId id = serviceId(leaf);

        return new TlsIdentity(chain, key, roots, Pem.encode(chain), Pem.encode(key),
                roots.stream().map(Pem::encode).toList(), id, CertificateIds.serial(leaf),
                leaf.getNotAfter().toInstant(), trustDomain,
                roots.stream().map(CertificateIds::rootId).toList(),
                roots.stream().map(CertificateIds::subject).toList());
    }

    public X509Certificate leaf() {
        return chain.get(0);
    }

    /** True once the leaf's notAfter has passed; the caller decides how early to rotate. */
    public boolean isExpired(Instant now) {
        return !now.isBefore(notAfter);
    }

    /** Identity fields for logs: never key material, never whole PEMs. */
    @Override
    public String toString() {
        return "TlsIdentity[" + spiffeId.uri() + ", serial=" + serial + ", notAfter=" + notAfter
                + ", trustDomain=" + trustDomain + ", chainLength=" + chain.size() + ", rootIds=" + rootIds + "]";
    }

    /**
     * What we present: the leaf, then each intermediate that signed the one before, in order. The roots list
     * the intermediates of every root, and after a rotation they include the new root cross-signed by the old
     * one, which is no part of a leaf still signed by the old root: sent anyway, the chain is out of order and a
     * TLS stack refuses it as a key certificate ("Certificate chain is not valid").
     */
    private static List<X509Certificate> presentedChain(X509Certificate leaf, List<X509Certificate> intermediates) {
        List<X509Certificate> out = new ArrayList<>();
        out.add(leaf);
        X509Certificate last = leaf;
        while (out.size() <= intermediates.size()) {
            X509Certificate issuer = null;
            for (X509Certificate c : intermediates) {
                if (!out.contains(c) && c.getSubjectX500Principal().equals(last.getIssuerX500Principal())
                        && signedBy(last, c)) {
                    issuer = c;
                    break;
                }
            }
            if (issuer == null) {
                break;
            }
            out.add(issuer);
            last = issuer;
        }
        return out;
    }

    private static boolean signedBy(X509Certificate cert, X509Certificate issuer) {
        try {
            cert.verify(issuer.getPublicKey());
            return true;
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    /**
     * Fails unless {@code key} is the private half of the leaf's public key, by comparing public keys as Go's
     * {@code tls.X509KeyPair} does: the public key the agent writes into its SEC1 key PEM (or, for an RSA key
     * without one, the key's modulus and public exponent) must equal the leaf's. Signing and verifying a probe
     * instead adds an ECDSA sign and verify to every build, on the start-up chain of a cold sidecar where
     * elliptic-curve code still runs interpreted or freshly compiled (bench/JVM.md, 2026-12-01 05:40); the
     * comparison costs nothing.
     * Go derives the public key from the private one; this trusts the PEM's copy, as the agent wrote both from one
     * key. A PEM whose copy lied would pass here and fail every handshake (peers check our signature), no worse.
     * The probe is still the check when the PEM carries no public key (the JDK's PKCS#8, Ed25519), and the judge
     * when the stored key differs from the leaf's, so that an encoding difference alone cannot reject a good key.
     */
    private static void requireKeyMatches(PrivateKey key, PublicKey storedPublicKey, PublicKey leafKey)
            throws IdentityException {
        if (!key.getAlgorithm().equals(leafKey.getAlgorithm())) {
            throw new IdentityException(IdentityException.Reason.KEY_MISMATCH, "private key is "
                    + key.getAlgorithm() + " but the leaf's public key is " + leafKey.getAlgorithm());
        }
        if (storedPublicKey != null && storedPublicKey.equals(leafKey)) {
            return;
        }
        if (storedPublicKey == null && key instanceof RSAPrivateCrtKey rsa && leafKey instanceof RSAPublicKey pub) {
            if (rsa.getModulus().equals(pub.getModulus()) && rsa.getPublicExponent().equals(pub.getPublicExponent())) {
                return;
            }
            throw new IdentityException(IdentityException.Reason.KEY_MISMATCH,
                    "private key does not belong to the leaf certificate (RSA modulus or public exponent differs)");
        }
        requireSignatureVerifies(key, leafKey, storedPublicKey != null);
    }

    /** Proof of possession: a probe signed with {@code key} must verify with the leaf's public key. */
    private static void requireSignatureVerifies(PrivateKey key, PublicKey leafKey, boolean storedKeyDiffers)
            throws IdentityException {
        String algorithm = switch (key.getAlgorithm()) {
            case "EC" -> "SHA256withECDSA";
            case "RSA" -> "SHA256withRSA";
            case "Ed25519", "EdDSA" -> "Ed25519";
            default -> null;
        };
        if (algorithm == null) {
            throw new IdentityException(IdentityException.Reason.BAD_PRIVATE_KEY_PEM,
                    "unsupported key algorithm " + key.getAlgorithm());
        }
        String mismatch = "private key does not belong to the leaf certificate ("
                + (storedKeyDiffers ? "the public key stored with it differs from the leaf's, and " : "");
        try {
            byte[] probe = "connect-proxy key check".getBytes(StandardCharsets.US_ASCII);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(probe);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(leafKey);
            verifier.update(probe);
            if (!verifier.verify(signature)) {
                throw new IdentityException(IdentityException.Reason.KEY_MISMATCH,
                        mismatch + "a signature made with it does not verify with the leaf's public key)");
            }
        } catch (GeneralSecurityException e) {
            throw new IdentityException(IdentityException.Reason.KEY_MISMATCH,
                    mismatch + "signing with it and verifying with the leaf's public key failed: "
                            + e.getClass().getSimpleName() + ")");
        }
    }

    private static void requireChainsToRoots(X509Certificate leaf, List<X509Certificate> intermediates,
                                             List<X509Certificate> roots, Instant at) throws IdentityException {
        Set<TrustAnchor> anchors = roots.stream().map(r -> new TrustAnchor(r, null)).collect(Collectors.toSet());
        try {
            X509CertSelector target = new X509CertSelector();
            target.setCertificate(leaf);
            PKIXBuilderParameters params = new PKIXBuilderParameters(anchors, target);
            // Consul publishes no CRLs/OCSP; trust is revoked by rotating roots instead.
            params.setRevocationEnabled(false);
            params.setDate(Date.from(at));
            List<X509Certificate> store = new ArrayList<>(intermediates);
            store.add(leaf);
            params.addCertStore(CertStore.getInstance("Collection", new CollectionCertStoreParameters(store)));
            CertPathBuilder.getInstance("PKIX").build(params);
        } catch (CertPathBuilderException e) {
            throw new IdentityException(IdentityException.Reason.UNTRUSTED_CHAIN, "leaf "
                    + CertificateIds.subject(leaf) + " (serial " + CertificateIds.serial(leaf)
                    + ") does not chain to any of " + roots.size() + " root(s) at " + at + ": " + e.getMessage(), e);
        } catch (GeneralSecurityException e) {
            throw new IdentityException(IdentityException.Reason.UNTRUSTED_CHAIN,
                    "cannot validate the chain: " + e.getMessage(), e);
        }
    }

    private static SpiffeId serviceId(X509Certificate leaf) throws IdentityException {
        String uri = CertificateIds.firstUriSan(leaf).orElseThrow(() -> new IdentityException(
                IdentityException.Reason.NO_SERVICE_ID, "leaf " + CertificateIds.subject(leaf) + " has no URI SAN"));
        try {
            return SpiffeId.parseService(uri);
        } catch (SpiffeIdException e) {
            throw new IdentityException(IdentityException.Reason.NO_SERVICE_ID,
                    "leaf URI SAN is not a service id: " + e.getMessage());
        }
    }
}
