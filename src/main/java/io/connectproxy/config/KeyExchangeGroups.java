package io.connectproxy.config;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import io.vertx.core.json.JsonArray;

/**
 * The TLS key exchange groups the mesh offers and accepts ({@code tls_key_exchange_groups}), in preference order,
 * by their JDK/IANA names. Netty's OpenSSL engine takes the same names (it translates them), so one list serves
 * both engines.
 * <p>
 * The default offers X25519 first: every peer a sidecar meets supports it — Consul's Go proxy (crypto/tls: X25519,
 * P-256), Envoy (BoringSSL) and this proxy — and it is one share to compute. Netty 4.2 alone would put the hybrid
 * post-quantum X25519MLKEM768 first, which cost ~16 % of the connection rate between two sidecars on the benchmark
 * machine (ML-KEM key generation and encapsulation were ~21 % of the dialling sidecar's CPU). It stays in the list,
 * last, so a peer that insists on it still connects; put it first to prefer it.
 */
public record KeyExchangeGroups(List<String> names) {

    /** The proxy config key. */
    public static final String KEY = "tls_key_exchange_groups";

    public static final String X25519 = "x25519";
    public static final String SECP256R1 = "secp256r1";
    public static final String SECP384R1 = "secp384r1";
    public static final String X25519_MLKEM768 = "X25519MLKEM768";

    public static final KeyExchangeGroups DEFAULT = new KeyExchangeGroups(List.of(X25519, SECP256R1, X25519_MLKEM768));

    /** Accepted spellings (lower case): JDK/IANA names, OpenSSL's, and Go's constant names. */
    private static final Map<String, String> SPELLINGS = Map.ofEntries(
            Map.entry("x25519", X25519),
            Map.entry("secp256r1", SECP256R1), Map.entry("p-256", SECP256R1), Map.entry("p256", SECP256R1),
            Map.entry("prime256v1", SECP256R1), Map.entry("curvep256", SECP256R1),
            Map.entry("secp384r1", SECP384R1), Map.entry("p-384", SECP384R1), Map.entry("p384", SECP384R1),
            Map.entry("curvep384", SECP384R1),
            Map.entry("x25519mlkem768", X25519_MLKEM768));

    public KeyExchangeGroups {
        names = List.copyOf(names);
        if (names.isEmpty()) {
            throw new IllegalArgumentException("no key exchange group");
        }
    }

    /** The names with OpenSSL's spelling, for BoringSSL's group list. */
    public String[] openSslNames() {
        return names.stream().map(n -> switch (n) {
            case SECP256R1 -> "P-256";
            case SECP384R1 -> "P-384";
            default -> n;
        }).toArray(String[]::new);
    }

    /** As the config would spell it back: "x25519,secp256r1,X25519MLKEM768". */
    @Override
    public String toString() {
        return String.join(",", names);
    }

    /**
     * A comma-separated string or a JSON array of names.
     *
     * @throws IllegalArgumentException with a message that names the bad value and the accepted names
     */
    public static KeyExchangeGroups parse(Object value) {
        List<String> raw = new ArrayList<>();
        if (value instanceof String s) {
            for (String part : s.split(",", -1)) {
                raw.add(part.trim());
            }
        } else if (value instanceof JsonArray array) {
            for (Object o : array) {
                if (!(o instanceof String s)) {
                    throw new IllegalArgumentException("must be a list of group names, got " + array.encode());
                }
                raw.add(s.trim());
            }
        } else {
            throw new IllegalArgumentException("must be a comma-separated string or a list of group names, got "
                    + value);
        }
        Set<String> out = new LinkedHashSet<>();
        for (String name : raw) {
            String canonical = SPELLINGS.get(name.toLowerCase(Locale.ROOT));
            if (canonical == null) {
                throw new IllegalArgumentException("unknown key exchange group \"" + name + "\" in \"" + value
                        + "\" (known: " + X25519 + ", " + SECP256R1 + ", " + SECP384R1 + ", " + X25519_MLKEM768 + ")");
            }
            if (!out.add(canonical)) {
                throw new IllegalArgumentException("group \"" + name + "\" is listed twice in \"" + value + "\"");
            }
        }
        return new KeyExchangeGroups(List.copyOf(out));
    }
}
