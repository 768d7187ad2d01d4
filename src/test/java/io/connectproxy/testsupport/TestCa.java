package io.connectproxy.testsupport;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import javax.security.auth.x500.X500Principal;

import io.connectproxy.identity.IdentityException;
import io.connectproxy.identity.Pem;
import io.connectproxy.identity.TlsIdentity;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A throwaway CA shaped like Consul's built-in one: an ECDSA P-256 root whose SAN is {@code spiffe://<td>}, and
 * leaves with one SPIFFE URI SAN, {@code digitalSignature|keyEncipherment|dataEncipherment|keyAgreement},
 * EKU clientAuth+serverAuth, CA:false, SKI/AKI. Every knob a test needs to break (SAN, EKU, validity, key) is open.
 */
public final class TestCa {

    public static final String DEFAULT_DC = "dc1";
    private static final AtomicLong SERIALS = new AtomicLong(2);

    private final String trustDomain;
    private final KeyPair keyPair;
    private final X509Certificate root;

    private TestCa(String trustDomain, KeyPair keyPair, X509Certificate root) {
        this.trustDomain = trustDomain;
        this.keyPair = keyPair;
        this.root = root;
    }

    /** A CA for a random {@code <uuid>.consul} trust domain. */
    public static TestCa create() {
        return create(java.util.UUID.randomUUID() + ".consul");
    }

    public static TestCa create(String trustDomain) {
        try {
            KeyPair keys = ecKeyPair();
            Instant now = Instant.now();
            String shortTd = trustDomain.substring(0, Math.min(8, trustDomain.length()));
            X500Principal name = new X500Principal("CN=pri-" + Long.toString(SERIALS.get(), 36)
                    + ".consul.ca." + shortTd + ".consul");
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, BigInteger.valueOf(
                    SERIALS.getAndIncrement()), Date.from(now.minus(Duration.ofHours(1))),
                    Date.from(now.plus(Duration.ofDays(3650))), name, keys.getPublic())
                    .addExtension(Extension.keyUsage, true,
                            new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyCertSign | KeyUsage.cRLSign))
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
                    .addExtension(Extension.subjectKeyIdentifier, false,
                            ext.createSubjectKeyIdentifier(keys.getPublic()))
                    .addExtension(Extension.authorityKeyIdentifier, false,
                            ext.createAuthorityKeyIdentifier(keys.getPublic()))
                    .addExtension(Extension.subjectAlternativeName, false, new GeneralNames(
                            new GeneralName(GeneralName.uniformResourceIdentifier, "spiffe://" + trustDomain)));
            return new TestCa(trustDomain, keys, sign(b, keys));
        } catch (Exception e) {
            throw new IllegalStateException("cannot create test CA", e);
        }
    }

    public String trustDomain() {
        return trustDomain;
    }

    public X509Certificate root() {
        return root;
    }

    public String rootPem() {
        return Pem.encode(root);
    }

    /** A leaf request with Consul's defaults for {@code service} in dc1, valid for 72 h from an hour ago. */
    public LeafSpec leaf(String service) {
        return new LeafSpec(service);
    }

    /** A valid mesh leaf for {@code service}. */
    public Leaf issue(String service) {
        return leaf(service).issue();
    }

    /** A TlsIdentity for {@code service} trusting this CA (plus any extra roots). */
    public TlsIdentity identity(String service, String... extraRootPems) {
        return issue(service).identity(extraRootPems);
    }

    /** An issued leaf with its key. */
    public final class Leaf {
        private final X509Certificate certificate;
        private final KeyPair keyPair;

        Leaf(X509Certificate certificate, KeyPair keyPair) {
            this.certificate = certificate;
            this.keyPair = keyPair;
        }

        public X509Certificate certificate() {
            return certificate;
        }

        public KeyPair keyPair() {
            return keyPair;
        }

        public String certPem() {
            return Pem.encode(certificate);
        }

        /** PKCS#8; see {@link #sec1KeyPem()} for Consul's own EC form. */
        public String keyPem() {
            return Pem.encode(keyPair.getPrivate());
        }

        /** {@code EC PRIVATE KEY} with the curve parameters, as the Consul agent writes it. */
        public String sec1KeyPem() {
            try {
                // the JDK's PKCS#8 keeps the curve outside the SEC1 structure; Consul's PEM has it inside
                org.bouncycastle.asn1.pkcs.PrivateKeyInfo info =
                        org.bouncycastle.asn1.pkcs.PrivateKeyInfo.getInstance(keyPair.getPrivate().getEncoded());
                java.security.interfaces.ECPrivateKey priv = (java.security.interfaces.ECPrivateKey) keyPair.getPrivate();
                org.bouncycastle.asn1.x509.SubjectPublicKeyInfo pub =
                        org.bouncycastle.asn1.x509.SubjectPublicKeyInfo.getInstance(keyPair.getPublic().getEncoded());
                byte[] sec1 = new org.bouncycastle.asn1.sec.ECPrivateKey(256, priv.getS(), pub.getPublicKeyData(),
                        info.getPrivateKeyAlgorithm().getParameters()).getEncoded();
                return "-----BEGIN EC PRIVATE KEY-----\n"
                        + java.util.Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(sec1)
                        + "\n-----END EC PRIVATE KEY-----\n";
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
            }
        }

        public String serial() {
            return io.connectproxy.identity.CertificateIds.serial(certificate);
        }

        public TlsIdentity identity(String... extraRootPems) {
            List<String> roots = new ArrayList<>();
            roots.add(rootPem());
            roots.addAll(List.of(extraRootPems));
            try {
                return TlsIdentity.build(certPem(), keyPem(), roots, trustDomain);
            } catch (IdentityException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** What to put in a leaf; every field can be broken on purpose. */
    public final class LeafSpec {
        private String uriSan;
        private String commonName;
        private List<KeyPurposeId> ekus = new ArrayList<>(
                List.of(KeyPurposeId.id_kp_clientAuth, KeyPurposeId.id_kp_serverAuth));
        private Instant notBefore = Instant.now().minus(Duration.ofHours(1));
        private Instant notAfter = Instant.now().plus(Duration.ofHours(72));
        private KeyPair subjectKeys;

        LeafSpec(String service) {
            this.uriSan = "spiffe://" + trustDomain + "/ns/default/dc/" + DEFAULT_DC + "/svc/" + service;
            this.commonName = service + ".svc.default." + trustDomain.substring(0, Math.min(8, trustDomain.length()))
                    + ".consul";
        }

        /** The URI SAN, or null for none. */
        public LeafSpec uri(String uri) {
            this.uriSan = uri;
            return this;
        }

        public LeafSpec datacenter(String dc, String service) {
            this.uriSan = "spiffe://" + trustDomain + "/ns/default/dc/" + dc + "/svc/" + service;
            return this;
        }

        public LeafSpec serverAuthOnly() {
            this.ekus = List.of(KeyPurposeId.id_kp_serverAuth);
            return this;
        }

        public LeafSpec clientAuthOnly() {
            this.ekus = List.of(KeyPurposeId.id_kp_clientAuth);
            return this;
        }

        public LeafSpec validity(Instant from, Instant until) {
            this.notBefore = from;
            this.notAfter = until;
            return this;
        }

        public LeafSpec rsa() {
            try {
                KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
                g.initialize(2048);
                this.subjectKeys = g.generateKeyPair();
                return this;
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }

        public Leaf issue() {
            try {
                KeyPair keys = subjectKeys != null ? subjectKeys : ecKeyPair();
                JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
                X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(root.getSubjectX500Principal(),
                        BigInteger.valueOf(SERIALS.getAndIncrement()), Date.from(notBefore), Date.from(notAfter),
                        new X500Principal("CN=" + commonName), keys.getPublic())
                        .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature
                                | KeyUsage.keyEncipherment | KeyUsage.dataEncipherment | KeyUsage.keyAgreement))
                        .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                        .addExtension(Extension.subjectKeyIdentifier, false,
                                ext.createSubjectKeyIdentifier(keys.getPublic()))
                        .addExtension(Extension.authorityKeyIdentifier, false,
                                ext.createAuthorityKeyIdentifier(keyPair.getPublic()));
                if (!ekus.isEmpty()) {
                    b.addExtension(Extension.extendedKeyUsage, false,
                            new ExtendedKeyUsage(ekus.toArray(new KeyPurposeId[0])));
                }
                if (uriSan != null) {
                    b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(
                            new GeneralName(GeneralName.uniformResourceIdentifier, uriSan)));
                }
                return new Leaf(sign(b, keyPair), keys);
            } catch (Exception e) {
                throw new IllegalStateException("cannot issue test leaf", e);
            }
        }
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, KeyPair issuer) throws Exception {
        ContentSigner signer = new JcaContentSignerBuilder("SHA256withECDSA").build(issuer.getPrivate());
        return new JcaX509CertificateConverter().getCertificate(builder.build(signer));
    }

    private static KeyPair ecKeyPair() throws GeneralSecurityException {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        return g.generateKeyPair();
    }

    /** For tests that need "a key that is not the leaf's". */
    public static PublicKey unrelatedPublicKey() {
        try {
            return ecKeyPair().getPublic();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
