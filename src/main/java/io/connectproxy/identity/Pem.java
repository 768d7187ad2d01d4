package io.connectproxy.identity;

import java.io.IOException;
import java.io.StringReader;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import org.bouncycastle.asn1.ASN1BitString;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMException;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

/**
 * PEM in and out: certificate chains (several blocks in one string) and the private key forms Consul emits:
 * SEC1 {@code EC PRIVATE KEY} (with curve parameters), PKCS#8 {@code PRIVATE KEY} and PKCS#1
 * {@code RSA PRIVATE KEY}. Output is always PKCS#8 for keys, the one form every TLS engine loads.
 */
public final class Pem {

    private static final int LINE_LENGTH = 64;

    private Pem() {
    }

    /** All certificates in {@code pem}, in order; fails unless there is at least one and every block is one. */
    public static List<X509Certificate> certificates(String pem, String what) throws IdentityException {
        if (pem == null || pem.isBlank()) {
            throw new IdentityException(IdentityException.Reason.BAD_CERTIFICATE_PEM, what + ": no PEM given");
        }
        List<X509Certificate> certs = new ArrayList<>();
        JcaX509CertificateConverter converter = new JcaX509CertificateConverter();
        try (PEMParser parser = new PEMParser(new StringReader(pem))) {
            Object block;
            while ((block = parser.readObject()) != null) {
                if (!(block instanceof X509CertificateHolder holder)) {
                    throw new IdentityException(IdentityException.Reason.BAD_CERTIFICATE_PEM,
                            what + ": PEM block " + (certs.size() + 1) + " is not a certificate but a "
                                    + block.getClass().getSimpleName());
                }
                certs.add(converter.getCertificate(holder));
            }
        } catch (IOException | CertificateException | RuntimeException e) {
            throw new IdentityException(IdentityException.Reason.BAD_CERTIFICATE_PEM,
                    what + ": cannot parse certificate " + (certs.size() + 1) + " (" + e.getMessage() + ")", e);
        }
        if (certs.isEmpty()) {
            throw new IdentityException(IdentityException.Reason.BAD_CERTIFICATE_PEM,
                    what + ": no BEGIN CERTIFICATE block found");
        }
        return List.copyOf(certs);
    }

    /** The single private key in {@code pem}. Encrypted keys are refused: the agent never sends them. */
    public static PrivateKey privateKey(String pem) throws IdentityException {
        return privateKeyAndStoredPublicKey(pem).privateKey();
    }

    /**
     * A private key and the public key its PEM carries beside it, if any.
     *
     * @param privateKey      the key
     * @param storedPublicKey the public key written into the same PEM (SEC1 {@code EC PRIVATE KEY} and PKCS#1
     *                        {@code RSA PRIVATE KEY} as Consul and Go write them, an EC key inside PKCS#8, or a
     *                        PKCS#8 v2 {@code publicKey} field), or null when there is none or it cannot be read.
     *                        It is what the PEM says, not derived from the private key.
     */
    public record KeyWithPublic(PrivateKey privateKey, PublicKey storedPublicKey) {
    }

    /**
     * The single private key in {@code pem}, with the public key stored beside it when the PEM has one (see
     * {@link KeyWithPublic}). Encrypted keys are refused: the agent never sends them.
     */
    public static KeyWithPublic privateKeyAndStoredPublicKey(String pem) throws IdentityException {
        if (pem == null || pem.isBlank()) {
            throw new IdentityException(IdentityException.Reason.BAD_PRIVATE_KEY_PEM, "no private key PEM given");
        }
        Object block;
        try (PEMParser parser = new PEMParser(new StringReader(pem))) {
            block = parser.readObject();
        } catch (IOException | RuntimeException e) {
            // the message of a parse error can quote the input: do not pass it on
            throw new IdentityException(IdentityException.Reason.BAD_PRIVATE_KEY_PEM,
                    "private key PEM is malformed (" + e.getClass().getSimpleName() + ")");
        }
        JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
        try {
            if (block instanceof PEMKeyPair pair) {          // EC PRIVATE KEY, RSA PRIVATE KEY
                if (pair.getPublicKeyInfo() == null) {       // SEC1 may leave out the optional public key
                    return new KeyWithPublic(converter.getPrivateKey(pair.getPrivateKeyInfo()), null);
                }
                KeyPair keys = converter.getKeyPair(pair);
                return new KeyWithPublic(keys.getPrivate(), keys.getPublic());
            }
            if (block instanceof PrivateKeyInfo info) {      // PRIVATE KEY (PKCS#8)
                return new KeyWithPublic(converter.getPrivateKey(info), storedPublicKey(info, converter));
            }
        } catch (PEMException | RuntimeException e) {
            throw new IdentityException(IdentityException.Reason.BAD_PRIVATE_KEY_PEM,
                    "private key is not usable (" + e.getClass().getSimpleName() + ")");
        }
        if (block instanceof PEMEncryptedKeyPair || block instanceof PKCS8EncryptedPrivateKeyInfo) {
            throw new IdentityException(IdentityException.Reason.BAD_PRIVATE_KEY_PEM,
                    "private key is encrypted; an unencrypted key is required");
        }
        throw new IdentityException(IdentityException.Reason.BAD_PRIVATE_KEY_PEM, block == null
                ? "no BEGIN ... PRIVATE KEY block found"
                : "PEM block is not a private key but a " + block.getClass().getSimpleName());
    }

    /**
     * The public key inside a PKCS#8 key, or null: the optional field of PKCS#8 v2 (RFC 5958), else for EC the
     * optional public key of the SEC1 structure inside (OpenSSL and Go write it; the JDK does not). Optional
     * data: when it cannot be read the caller checks the key another way, so this never fails the key.
     */
    private static PublicKey storedPublicKey(PrivateKeyInfo info, JcaPEMKeyConverter converter) {
        try {
            ASN1BitString bits = null;
            if (info.hasPublicKey()) {
                bits = info.getPublicKeyData();
            } else if (X9ObjectIdentifiers.id_ecPublicKey.equals(info.getPrivateKeyAlgorithm().getAlgorithm())) {
                bits = org.bouncycastle.asn1.sec.ECPrivateKey.getInstance(info.parsePrivateKey()).getPublicKey();
            }
            return bits == null ? null
                    : converter.getPublicKey(new SubjectPublicKeyInfo(info.getPrivateKeyAlgorithm(), bits.getBytes()));
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** One {@code CERTIFICATE} block. */
    public static String encode(X509Certificate cert) {
        try {
            return block("CERTIFICATE", cert.getEncoded());
        } catch (CertificateEncodingException e) {
            throw new IllegalStateException("a parsed certificate cannot be re-encoded", e);
        }
    }

    /** Concatenated {@code CERTIFICATE} blocks, in order. */
    public static String encode(List<X509Certificate> certs) {
        StringBuilder out = new StringBuilder();
        certs.forEach(c -> out.append(encode(c)));
        return out.toString();
    }

    /** A PKCS#8 {@code PRIVATE KEY} block. */
    public static String encode(PrivateKey key) {
        if (!"PKCS#8".equalsIgnoreCase(key.getFormat())) {
            throw new IllegalArgumentException("key format " + key.getFormat() + " is not PKCS#8");
        }
        return block("PRIVATE KEY", key.getEncoded());
    }

    private static String block(String type, byte[] der) {
        String body = Base64.getMimeEncoder(LINE_LENGTH, new byte[] {'\n'}).encodeToString(der);
        return "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n";
    }
}
