package io.connectproxy.identity;

import java.math.BigInteger;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

import javax.security.auth.x500.X500Principal;

/** How Consul names certificates (serials, root ids) and where the SPIFFE id sits in one. */
public final class CertificateIds {

    private static final int SAN_TYPE_URI = 6;
    private static final HexFormat COLON_HEX = HexFormat.ofDelimiter(":");

    private CertificateIds() {
    }

    /**
     * The serial as Consul prints it ({@code SerialNumber} in the leaf answer, {@code ClientCertSerial} for
     * authorize): the big-endian magnitude bytes, lower-case hex, colon separated, e.g. {@code 09} or
     * {@code 2a:8f:01}. Go's {@code big.Int.Bytes()} has no sign byte, so Java's leading 0x00 is dropped.
     */
    public static String serial(X509Certificate cert) {
        return serial(cert.getSerialNumber());
    }

    public static String serial(BigInteger serial) {
        byte[] bytes = serial.toByteArray();
        int start = bytes.length > 1 && bytes[0] == 0 ? 1 : 0;
        return COLON_HEX.formatHex(bytes, start, bytes.length);
    }

    /** Consul's root {@code ID}: the SHA-1 fingerprint of the DER certificate, colon separated lower-case hex. */
    public static String rootId(X509Certificate cert) {
        try {
            return COLON_HEX.formatHex(MessageDigest.getInstance("SHA-1").digest(cert.getEncoded()));
        } catch (NoSuchAlgorithmException | CertificateEncodingException e) {
            throw new IllegalStateException("cannot fingerprint a parsed certificate", e);
        }
    }

    /** The subject, RFC 2253 form, for log lines. */
    public static String subject(X509Certificate cert) {
        return cert.getSubjectX500Principal().getName(X500Principal.RFC2253);
    }

    /** The first URI subject alternative name, if any; Consul puts exactly one, the SPIFFE id, in each leaf. */
    public static Optional<String> firstUriSan(X509Certificate cert) {
        Collection<List<?>> sans;
        try {
            sans = cert.getSubjectAlternativeNames();
        } catch (CertificateParsingException e) {
            return Optional.empty();
        }
        if (sans == null) {
            return Optional.empty();
        }
        for (List<?> san : sans) {
            if (san.size() >= 2 && san.get(0) instanceof Integer type && type == SAN_TYPE_URI
                    && san.get(1) instanceof String uri) {
                return Optional.of(uri);
            }
        }
        return Optional.empty();
    }
}
