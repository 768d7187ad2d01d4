package io.connectproxy.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.RSAPrivateKey;
import java.time.Instant;
import java.util.List;

import io.connectproxy.testsupport.Fixtures;
import io.connectproxy.testsupport.TestCa;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

class TlsIdentityTest {

    private final TestCa ca = TestCa.create();

    @Test
    void consulFixtureLeafKeyAndRootsBuild() throws Exception {
        JsonObject leaf = Fixtures.json("ca-leaf-web");
        JsonObject roots = Fixtures.json("ca-roots");
        JsonObject root = roots.getJsonArray("Roots").getJsonObject(0);
        // the fixture leaf is valid for three days only; check the chain inside its window, not "now"
        Instant during = Instant.parse(leaf.getString("ValidAfter")).plusSeconds(3600);

        TlsIdentity id = TlsIdentity.build(leaf.getString("CertPEM"), leaf.getString("PrivateKeyPEM"),
                List.of(root.getString("RootCert")), List.of(), roots.getString("TrustDomain"), during);

        assertEquals(leaf.getString("ServiceURI"), id.spiffeId().uri());
        assertEquals(leaf.getString("SerialNumber"), id.serial());
        assertEquals(Instant.parse(leaf.getString("ValidBefore")), id.notAfter());
        assertEquals(List.of(root.getString("ID")), id.rootIds());
        assertEquals(roots.getString("TrustDomain"), id.trustDomain());
        assertTrue(id.privateKey() instanceof ECPrivateKey);
        assertTrue(id.privateKeyPem().startsWith("-----BEGIN PRIVATE KEY-----"),
                () -> String.valueOf(id.privateKeyPem()));
        assertFalse(id.isExpired(during));
        assertTrue(id.isExpired(id.notAfter()), () -> String.valueOf(id));
        assertFalse(id.toString().contains("PRIVATE"), id.toString());
        assertFalse(id.toString().contains(leaf.getString("PrivateKeyPEM").substring(31, 60)));
        // a real agent's SEC1 key carries its public key, equal to the leaf's: the key check compares them and
        // needs no signature (the start-up path), rather than falling back to the probe
        assertEquals(id.leaf().getPublicKey(),
                Pem.privateKeyAndStoredPublicKey(leaf.getString("PrivateKeyPEM")).storedPublicKey());
    }

    @Test
    void serialsUseConsulFormat() {
        assertEquals("09", CertificateIds.serial(java.math.BigInteger.valueOf(9)));
        assertEquals("2a:8f:01", CertificateIds.serial(java.math.BigInteger.valueOf(0x2a8f01)));
        // Java adds a 0x00 sign byte for a set high bit; Go's big.Int.Bytes() does not
        assertEquals("ff:10", CertificateIds.serial(java.math.BigInteger.valueOf(0xff10)));
    }

    @Test
    void buildsFromTestCaInEveryKeyForm() throws Exception {
        TestCa.Leaf leaf = ca.issue("web");
        TlsIdentity pkcs8 = TlsIdentity.build(leaf.certPem(), leaf.keyPem(), List.of(ca.rootPem()), ca.trustDomain());
        TlsIdentity sec1 = TlsIdentity.build(leaf.certPem(), leaf.sec1KeyPem(), List.of(ca.rootPem()),
                ca.trustDomain());
        assertEquals(((ECPrivateKey) pkcs8.privateKey()).getS(), ((ECPrivateKey) sec1.privateKey()).getS());
        assertEquals("web", pkcs8.spiffeId().service());
        assertEquals(leaf.serial(), pkcs8.serial());

        TestCa.Leaf rsa = ca.leaf("db").rsa().issue();
        String pkcs1 = toPkcs1(rsa);
        TlsIdentity rsaId = TlsIdentity.build(rsa.certPem(), pkcs1, List.of(ca.rootPem()), ca.trustDomain());
        assertTrue(rsaId.privateKey() instanceof RSAPrivateKey);
    }

    @Test
    void trustsEveryListedRoot() throws Exception {
        TestCa other = TestCa.create();
        TestCa.Leaf leaf = other.issue("web");
        TlsIdentity id = TlsIdentity.build(leaf.certPem(), leaf.keyPem(), List.of(ca.rootPem(), other.rootPem()),
                ca.trustDomain());
        assertEquals(2, id.roots().size());
        assertEquals(2, id.rootPems().size());
    }

    @Test
    void rejectsLeafFromAnotherCa() {
        TestCa.Leaf foreign = TestCa.create().issue("web");
        assertReason(IdentityException.Reason.UNTRUSTED_CHAIN,
                () -> TlsIdentity.build(foreign.certPem(), foreign.keyPem(), List.of(ca.rootPem()), ca.trustDomain()));
    }

    @Test
    void rejectsExpiredLeaf() {
        TestCa.Leaf old = ca.leaf("web").validity(Instant.now().minusSeconds(7200), Instant.now().minusSeconds(60))
                .issue();
        assertReason(IdentityException.Reason.UNTRUSTED_CHAIN,
                () -> TlsIdentity.build(old.certPem(), old.keyPem(), List.of(ca.rootPem()), ca.trustDomain()));
    }

    @Test
    void rejectsMismatchedKey() {
        TestCa.Leaf a = ca.issue("web");
        TestCa.Leaf b = ca.issue("web");
        assertReason(IdentityException.Reason.KEY_MISMATCH,
                () -> TlsIdentity.build(a.certPem(), b.keyPem(), List.of(ca.rootPem()), ca.trustDomain()));
        TestCa.Leaf rsa = ca.leaf("web").rsa().issue();
        assertReason(IdentityException.Reason.KEY_MISMATCH,
                () -> TlsIdentity.build(a.certPem(), rsa.keyPem(), List.of(ca.rootPem()), ca.trustDomain()));
    }

    /**
     * The key check compares public keys when the key's PEM carries one (Consul's SEC1, PKCS#1, an EC PKCS#8 as
     * OpenSSL and Go write it) and signs a probe when it does not: every form must still refuse another leaf's key.
     */
    @Test
    void rejectsMismatchedKeyInEveryForm() throws Exception {
        TestCa.Leaf a = ca.issue("web");
        TestCa.Leaf b = ca.issue("web");
        List<String> roots = List.of(ca.rootPem());
        IdentityException sec1 = assertThrows(IdentityException.class,
                () -> TlsIdentity.build(a.certPem(), b.sec1KeyPem(), roots, ca.trustDomain()));
        assertEquals(IdentityException.Reason.KEY_MISMATCH, sec1.reason(), sec1.getMessage());
        assertTrue(sec1.getMessage().contains("public key stored with it differs from the leaf's"), sec1.getMessage());
        assertReason(IdentityException.Reason.KEY_MISMATCH,
                () -> TlsIdentity.build(a.certPem(), sec1WithoutPublicKey(b), roots, ca.trustDomain()));
        assertReason(IdentityException.Reason.KEY_MISMATCH,
                () -> TlsIdentity.build(a.certPem(), pkcs8WithPublicKey(b), roots, ca.trustDomain()));

        TestCa.Leaf rsaA = ca.leaf("db").rsa().issue();
        TestCa.Leaf rsaB = ca.leaf("db").rsa().issue();
        assertReason(IdentityException.Reason.KEY_MISMATCH,
                () -> TlsIdentity.build(rsaA.certPem(), toPkcs1(rsaB), roots, ca.trustDomain()));
        IdentityException rsaPkcs8 = assertThrows(IdentityException.class,
                () -> TlsIdentity.build(rsaA.certPem(), rsaB.keyPem(), roots, ca.trustDomain()));
        assertEquals(IdentityException.Reason.KEY_MISMATCH, rsaPkcs8.reason(), rsaPkcs8.getMessage());
        assertTrue(rsaPkcs8.getMessage().contains("modulus"), rsaPkcs8.getMessage());
    }

    @Test
    void acceptsMatchingKeyWithOrWithoutStoredPublicKey() throws Exception {
        TestCa.Leaf leaf = ca.issue("web");
        List<String> roots = List.of(ca.rootPem());
        for (String keyPem : List.of(leaf.sec1KeyPem(), sec1WithoutPublicKey(leaf), pkcs8WithPublicKey(leaf),
                leaf.keyPem())) {
            TlsIdentity id = TlsIdentity.build(leaf.certPem(), keyPem, roots, ca.trustDomain());
            assertEquals(((ECPrivateKey) leaf.keyPair().getPrivate()).getS(), ((ECPrivateKey) id.privateKey()).getS());
        }
        TestCa.Leaf rsa = ca.leaf("db").rsa().issue();
        assertTrue(TlsIdentity.build(rsa.certPem(), rsa.keyPem(), roots, ca.trustDomain()).privateKey()
                instanceof RSAPrivateKey);
    }

    @Test
    void pemReportsThePublicKeyStoredWithThePrivateKey() throws Exception {
        TestCa.Leaf leaf = ca.issue("web");
        assertEquals(leaf.keyPair().getPublic(), Pem.privateKeyAndStoredPublicKey(leaf.sec1KeyPem()).storedPublicKey());
        assertEquals(leaf.keyPair().getPublic(),
                Pem.privateKeyAndStoredPublicKey(pkcs8WithPublicKey(leaf)).storedPublicKey());
        // the JDK's PKCS#8 and a SEC1 key without its optional public key carry none
        assertEquals(null, Pem.privateKeyAndStoredPublicKey(leaf.keyPem()).storedPublicKey());
        Pem.KeyWithPublic bare = Pem.privateKeyAndStoredPublicKey(sec1WithoutPublicKey(leaf));
        assertEquals(null, bare.storedPublicKey());
        assertEquals(((ECPrivateKey) leaf.keyPair().getPrivate()).getS(), ((ECPrivateKey) bare.privateKey()).getS());
    }

    @Test
    void rejectsGarbage() {
        TestCa.Leaf a = ca.issue("web");
        List<String> roots = List.of(ca.rootPem());
        assertReason(IdentityException.Reason.BAD_CERTIFICATE_PEM,
                () -> TlsIdentity.build("not a pem", a.keyPem(), roots, ca.trustDomain()));
        assertReason(IdentityException.Reason.BAD_CERTIFICATE_PEM, () -> TlsIdentity.build(
                "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", a.keyPem(), roots, ca.trustDomain()));
        assertReason(IdentityException.Reason.BAD_CERTIFICATE_PEM,
                () -> TlsIdentity.build(a.keyPem(), a.keyPem(), roots, ca.trustDomain()));
        assertReason(IdentityException.Reason.BAD_PRIVATE_KEY_PEM,
                () -> TlsIdentity.build(a.certPem(), "", roots, ca.trustDomain()));
        assertReason(IdentityException.Reason.BAD_PRIVATE_KEY_PEM,
                () -> TlsIdentity.build(a.certPem(), a.certPem(), roots, ca.trustDomain()));
        assertReason(IdentityException.Reason.BAD_PRIVATE_KEY_PEM, () -> TlsIdentity.build(a.certPem(),
                "-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n", roots, ca.trustDomain()));
        assertReason(IdentityException.Reason.BAD_CERTIFICATE_PEM,
                () -> TlsIdentity.build(a.certPem(), a.keyPem(), List.of("garbage"), ca.trustDomain()));
        assertReason(IdentityException.Reason.MISSING_INPUT,
                () -> TlsIdentity.build(a.certPem(), a.keyPem(), List.of(), ca.trustDomain()));
        assertReason(IdentityException.Reason.MISSING_INPUT,
                () -> TlsIdentity.build(a.certPem(), a.keyPem(), roots, " "));
    }

    @Test
    void keyErrorsDoNotQuoteTheKey() {
        TestCa.Leaf a = ca.issue("web");
        String[] lines = a.keyPem().split("\n");
        String broken = lines[0] + "\n" + lines[1].substring(0, 40) + "\n" + lines[lines.length - 1] + "\n";
        IdentityException e = assertThrows(IdentityException.class,
                () -> TlsIdentity.build(a.certPem(), broken, List.of(ca.rootPem()), ca.trustDomain()));
        String body = a.keyPem().split("\n")[1];
        assertFalse(e.getMessage().contains(body.substring(0, 20)), e.getMessage());
    }

    @Test
    void rejectsLeafWithoutServiceId() {
        TestCa.Leaf noSan = ca.leaf("web").uri(null).issue();
        assertReason(IdentityException.Reason.NO_SERVICE_ID,
                () -> TlsIdentity.build(noSan.certPem(), noSan.keyPem(), List.of(ca.rootPem()), ca.trustDomain()));
        TestCa.Leaf agent = ca.leaf("web").uri("spiffe://" + ca.trustDomain() + "/agent/client/dc/dc1/id/n1").issue();
        assertReason(IdentityException.Reason.NO_SERVICE_ID,
                () -> TlsIdentity.build(agent.certPem(), agent.keyPem(), List.of(ca.rootPem()), ca.trustDomain()));
    }

    private static void assertReason(IdentityException.Reason reason, org.junit.jupiter.api.function.Executable call) {
        IdentityException e = assertThrows(IdentityException.class, call);
        assertEquals(reason, e.reason(), e.getMessage());
    }

    /** SEC1 {@code EC PRIVATE KEY} with the curve but without the optional public key. */
    private static String sec1WithoutPublicKey(TestCa.Leaf leaf) throws Exception {
        org.bouncycastle.asn1.pkcs.PrivateKeyInfo info =
                org.bouncycastle.asn1.pkcs.PrivateKeyInfo.getInstance(leaf.keyPair().getPrivate().getEncoded());
        byte[] der = new org.bouncycastle.asn1.sec.ECPrivateKey(256,
                ((ECPrivateKey) leaf.keyPair().getPrivate()).getS(),
                info.getPrivateKeyAlgorithm().getParameters()).getEncoded();
        return pem("EC PRIVATE KEY", der);
    }

    /** PKCS#8 whose inner SEC1 structure carries the public key, as OpenSSL and Go's MarshalPKCS8PrivateKey write it. */
    private static String pkcs8WithPublicKey(TestCa.Leaf leaf) throws Exception {
        org.bouncycastle.asn1.pkcs.PrivateKeyInfo info =
                org.bouncycastle.asn1.pkcs.PrivateKeyInfo.getInstance(leaf.keyPair().getPrivate().getEncoded());
        org.bouncycastle.asn1.x509.SubjectPublicKeyInfo pub =
                org.bouncycastle.asn1.x509.SubjectPublicKeyInfo.getInstance(leaf.keyPair().getPublic().getEncoded());
        org.bouncycastle.asn1.sec.ECPrivateKey sec1 = new org.bouncycastle.asn1.sec.ECPrivateKey(256,
                ((ECPrivateKey) leaf.keyPair().getPrivate()).getS(), pub.getPublicKeyData(), null);
        byte[] der = new org.bouncycastle.asn1.pkcs.PrivateKeyInfo(info.getPrivateKeyAlgorithm(), sec1).getEncoded();
        return pem("PRIVATE KEY", der);
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + java.util.Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    private static String toPkcs1(TestCa.Leaf rsa) throws Exception {
        org.bouncycastle.asn1.pkcs.PrivateKeyInfo info =
                org.bouncycastle.asn1.pkcs.PrivateKeyInfo.getInstance(rsa.keyPair().getPrivate().getEncoded());
        byte[] der = info.parsePrivateKey().toASN1Primitive().getEncoded();
        return "-----BEGIN RSA PRIVATE KEY-----\n"
                + java.util.Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END RSA PRIVATE KEY-----\n";
    }
}
