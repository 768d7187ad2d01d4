package io.connectproxy.consul;

import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.http.HttpClientOptions;

import io.vertx.core.buffer.Buffer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Applies the agent TLS settings ({@code CONSUL_CACERT}, {@code CONSUL_CAPATH}, client cert/key, verify flag)
 * to the HTTP client options. Runs once when the client is created, before any event-loop work, so the
 * directory listing here is not on a hot path.
 */
final class AgentTls {
    private AgentTls() {
    }

    static void apply(HttpClientOptions options, AgentSettings settings) {
        options.setSsl(true);
        if (!settings.sslVerify()) {
            options.setTrustAll(true).setVerifyHost(false);
        } else {
            PemTrustOptions trust = new PemTrustOptions();
            boolean any = false;
            if (notEmpty(settings.caFile())) {
                requireReadable(settings.caFile(), "ca_file");
                trust.addCertPath(settings.caFile());
                any = true;
            }
            if (notEmpty(settings.caPath())) {
                for (String pem : certificatesIn(settings.caPath())) {
                    trust.addCertValue(Buffer.buffer(pem));
                    any = true;
                }
            }
            if (any) {
                options.setTrustOptions(trust);
            }
            options.setVerifyHost(true);
        }
        if (notEmpty(settings.clientCert()) || notEmpty(settings.clientKey())) {
            if (!notEmpty(settings.clientCert()) || !notEmpty(settings.clientKey())) {
                throw new IllegalArgumentException("client_cert and client_key: both must be set, got only "
                        + (notEmpty(settings.clientCert()) ? "client_cert" : "client_key"));
            }
            requireReadable(settings.clientCert(), "client_cert");
            requireReadable(settings.clientKey(), "client_key");
            options.setKeyCertOptions(new PemKeyCertOptions()
                    .setCertPath(settings.clientCert()).setKeyPath(settings.clientKey()));
        }
    }

    /**
     * The PEM text of every file in the directory that holds certificates. Like Go's cert pool (which Consul
     * uses), files with other content (a key kept next to the CA) are skipped rather than fatal.
     */
    private static List<String> certificatesIn(String dir) {
        Path path = Path.of(dir);
        if (!Files.isDirectory(path)) {
            throw new IllegalArgumentException("ca_path: not a directory: " + dir);
        }
        try (Stream<Path> files = Files.list(path)) {
            List<String> certs = new ArrayList<>();
            for (Path p : files.filter(Files::isRegularFile).sorted().toList()) {
                String text = Files.readString(p, StandardCharsets.UTF_8);
                if (text.contains("-----BEGIN CERTIFICATE-----")) {
                    certs.add(text);
                }
            }
            if (certs.isEmpty()) {
                throw new IllegalArgumentException("ca_path: no PEM certificates in " + dir);
            }
            return certs;
        } catch (IOException e) {
            throw new IllegalArgumentException("ca_path: cannot read " + dir + ": " + e.getMessage());
        }
    }

    private static void requireReadable(String file, String field) {
        if (!Files.isReadable(Path.of(file))) {
            throw new IllegalArgumentException(field + ": cannot read file " + file);
        }
    }

    private static boolean notEmpty(String s) {
        return s != null && !s.isEmpty();
    }
}
