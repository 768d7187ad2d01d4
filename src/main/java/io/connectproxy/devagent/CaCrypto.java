package io.connectproxy.devagent;

import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DERPrintableString;
import org.bouncycastle.asn1.DERUTF8String;
import org.bouncycastle.asn1.sec.SECObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectKeyIdentifier;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemWriter;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;

/**
 * The certificate work of the dev CA, shaped like Consul's built-in provider: EC P-256 keys, CN as a
 * PrintableString, key ids = SHA-256 of the SubjectPublicKeyInfo, SPIFFE URI SANs, and SEC1 "EC PRIVATE KEY" PEMs
 * that carry the curve OID (without it Vert.x/Netty reject the key).
 */
final class CaCrypto {

    private CaCrypto() {
    }

    static KeyPair newKeyPair() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("EC P-256 is part of every JDK", e);
        }
    }

    /** Consul's connect.KeyId: SHA-256 over the DER SubjectPublicKeyInfo. */
    static byte[] keyId(PublicKey key) {
        return digest("SHA-256", key.getEncoded());
    }

    static X509Certificate root(KeyPair keys, String commonName, String trustDomain, BigInteger serial,
                                Instant notBefore, Instant notAfter) {
        byte[] ski = keyId(keys.getPublic());
        return caCertificate(name(commonName), keys.getPublic(), ski, name(commonName), ski, keys.getPrivate(),
            trustDomain, serial, notBefore, notAfter);
    }

    /** The new root's subject and key, issued by the old root: lets peers that trust only the old root verify. */
    static X509Certificate crossSign(X509Certificate newRoot, X509Certificate oldRoot, PrivateKey oldKey,
                                     String trustDomain, BigInteger serial, Instant notBefore, Instant notAfter) {
        return caCertificate(X500Name.getInstance(newRoot.getSubjectX500Principal().getEncoded()),
            newRoot.getPublicKey(), keyId(newRoot.getPublicKey()),
            X500Name.getInstance(oldRoot.getSubjectX500Principal().getEncoded()), keyId(oldRoot.getPublicKey()),
            oldKey, trustDomain, serial, notBefore, notAfter);
    }

    private static X509Certificate caCertificate(X500Name subject, PublicKey subjectKey, byte[] ski, X500Name issuer,
                                                 byte[] aki, PrivateKey signer, String trustDomain, BigInteger serial,
                                                 Instant notBefore, Instant notAfter) {
        try {
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(issuer, serial, Date.from(notBefore),
                Date.from(notAfter), subject, subjectKey);
            b.addExtension(Extension.keyUsage, true,
                new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyCertSign | KeyUsage.cRLSign));
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
            b.addExtension(Extension.subjectKeyIdentifier, false, new SubjectKeyIdentifier(ski));
            b.addExtension(Extension.authorityKeyIdentifier, false, new AuthorityKeyIdentifier(aki));
            b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(
                new GeneralName(GeneralName.uniformResourceIdentifier, "spiffe://" + trustDomain)));
            return sign(b, signer);
        } catch (CertIOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static X509Certificate leaf(PublicKey leafKey, X509Certificate issuer, PrivateKey issuerKey, String commonName,
                                String uri, List<String> dnsNames, BigInteger serial, Instant notBefore,
                                Instant notAfter) {
        try {
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(
                X500Name.getInstance(issuer.getSubjectX500Principal().getEncoded()), serial, Date.from(notBefore),
                Date.from(notAfter), name(commonName), leafKey);
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature
                | KeyUsage.keyEncipherment | KeyUsage.dataEncipherment | KeyUsage.keyAgreement));
            b.addExtension(Extension.extendedKeyUsage, false,
                new ExtendedKeyUsage(new KeyPurposeId[] {KeyPurposeId.id_kp_clientAuth, KeyPurposeId.id_kp_serverAuth}));
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            b.addExtension(Extension.subjectKeyIdentifier, false, new SubjectKeyIdentifier(keyId(leafKey)));
            b.addExtension(Extension.authorityKeyIdentifier, false,
                new AuthorityKeyIdentifier(keyId(issuer.getPublicKey())));
            List<GeneralName> names = new ArrayList<>();
            if (uri != null) {
                names.add(new GeneralName(GeneralName.uniformResourceIdentifier, uri));
            }
            for (String dns : dnsNames) {
                names.add(new GeneralName(GeneralName.dNSName, dns));
            }
            if (!names.isEmpty()) {
                b.addExtension(Extension.subjectAlternativeName, false,
                    new GeneralNames(names.toArray(new GeneralName[0])));
            }
            return sign(b, issuerKey);
        } catch (CertIOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey key) {
        try {
            return new JcaX509CertificateConverter()
                .getCertificate(builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(key)));
        } catch (OperatorCreationException | GeneralSecurityException e) {
            throw new IllegalStateException("signing a certificate failed", e);
        }
    }

    /** CN=... encoded as Go does: PrintableString when the text allows it, else UTF8String. */
    private static X500Name name(String commonName) {
        return new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN,
            DERPrintableString.isPrintableString(commonName) ? new DERPrintableString(commonName)
                : new DERUTF8String(commonName)).build();
    }

    static String certificatePem(X509Certificate certificate) {
        try {
            return pem("CERTIFICATE", certificate.getEncoded());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** SEC1 ECPrivateKey with the named-curve parameters and the public key, as Go's x509.MarshalECPrivateKey. */
    static String ecPrivateKeyPem(KeyPair keys) {
        try {
            ECPrivateKey key = (ECPrivateKey) keys.getPrivate();
            SubjectPublicKeyInfo spki = SubjectPublicKeyInfo.getInstance(keys.getPublic().getEncoded());
            ASN1ObjectIdentifier curve = SECObjectIdentifiers.secp256r1;
            org.bouncycastle.asn1.sec.ECPrivateKey sec1 = new org.bouncycastle.asn1.sec.ECPrivateKey(256, key.getS(),
                spki.getPublicKeyData(), curve);
            return pem("EC PRIVATE KEY", sec1.getEncoded());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String pem(String type, byte[] der) {
        StringWriter out = new StringWriter();
        try (PemWriter writer = new PemWriter(out)) {
            writer.writeObject(new PemObject(type, der));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    /** Reads a PEM certificate back (the data directory keeps roots as PEM). */
    static X509Certificate parseCertificate(String pem) {
        try {
            return (X509Certificate) java.security.cert.CertificateFactory.getInstance("X.509")
                .generateCertificate(new java.io.ByteArrayInputStream(pem.getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("not a PEM certificate: " + e.getMessage(), e);
        }
    }

    /** An EC private key from its PKCS#8 encoding ({@link PrivateKey#getEncoded()}). */
    static PrivateKey ecPrivateKey(byte[] pkcs8) {
        try {
            return java.security.KeyFactory.getInstance("EC")
                .generatePrivate(new java.security.spec.PKCS8EncodedKeySpec(pkcs8));
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("not a PKCS#8 EC private key: " + e.getMessage(), e);
        }
    }

    /** "aa:bb:cc", as Consul prints key ids, fingerprints and serial numbers. */
    static String colonHex(byte[] bytes) {
        String hex = HexFormat.of().formatHex(bytes);
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < hex.length(); i += 2) {
            if (i > 0) {
                out.append(':');
            }
            out.append(hex, i, i + 2);
        }
        return out.toString();
    }

    /** Go's big.Int.Bytes(): the magnitude without a sign byte. */
    static byte[] serialBytes(BigInteger serial) {
        byte[] bytes = serial.toByteArray();
        if (bytes.length > 1 && bytes[0] == 0) {
            byte[] trimmed = new byte[bytes.length - 1];
            System.arraycopy(bytes, 1, trimmed, 0, trimmed.length);
            return trimmed;
        }
        return bytes;
    }

    /** Consul's root ID: the SHA-1 fingerprint of the certificate. */
    static String fingerprint(X509Certificate certificate) {
        try {
            return colonHex(digest("SHA-1", certificate.getEncoded()));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] digest(String algorithm, byte[] data) {
        try {
            return MessageDigest.getInstance(algorithm).digest(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(algorithm + " is part of every JDK", e);
        }
    }
}
