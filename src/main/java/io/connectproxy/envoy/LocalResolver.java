package io.connectproxy.envoy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.Stream;

/**
 * The blocking local look-ups of the bootstrap (DNS, network interfaces, CA files). Callers run these on a
 * worker thread, never on an event loop.
 */
final class LocalResolver {

    private LocalResolver() {
    }

    /** Like Go's {@code net.ResolveIPAddr("ip", host)}: an IP literal as is, else the first IPv4 address. */
    static String resolveIp(String host, String source) {
        try {
            InetAddress[] all = InetAddress.getAllByName(host.isEmpty() ? "localhost" : host);
            for (InetAddress a : all) {
                if (a instanceof Inet4Address) {
                    return a.getHostAddress();
                }
            }
            String v6 = all[0].getHostAddress();
            int zone = v6.indexOf('%');
            return zone < 0 ? v6 : v6.substring(0, zone);
        } catch (UnknownHostException e) {
            throw new EnvoyException(EnvoyException.Reason.LOCAL, source + ": cannot resolve \"" + host + "\"");
        }
    }

    /** Whether an IP is assigned to one of this host's interfaces (a gateway can only bind to those). */
    static boolean canBind(String address) {
        if (!IpLiteral.isIp(address)) {
            return false;
        }
        try {
            InetAddress wanted = InetAddress.getByName(address);
            for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                for (InetAddress a : Collections.list(nif.getInetAddresses())) {
                    if (a.equals(wanted)) {
                        return true;
                    }
                }
            }
            return false;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * The CA PEMs to inline, as Consul's {@code LoadCAs}: the CA file if given, else every file under the CA
     * directory in lexical order (recursively). Empty when neither is set.
     */
    static String loadCaPems(String caFile, String caPath) {
        try {
            if (caFile != null && !caFile.isEmpty()) {
                return read(Path.of(caFile), "-ca-file");
            }
            if (caPath != null && !caPath.isEmpty()) {
                List<Path> files = new ArrayList<>();
                try (Stream<Path> walk = Files.walk(Path.of(caPath))) {
                    walk.filter(Files::isRegularFile).sorted().forEach(files::add);
                }
                if (files.isEmpty()) {
                    throw new EnvoyException(EnvoyException.Reason.LOCAL, "-ca-path: no CA files in " + caPath);
                }
                StringBuilder pems = new StringBuilder();
                for (Path f : files) {
                    pems.append(read(f, "-ca-path"));
                }
                return pems.toString();
            }
            return "";
        } catch (IOException | UncheckedIOException e) {
            throw new EnvoyException(EnvoyException.Reason.LOCAL, "cannot read CA certificates: " + e.getMessage());
        }
    }

    private static String read(Path p, String source) {
        try {
            return Files.readString(p, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new EnvoyException(EnvoyException.Reason.LOCAL, source + ": cannot read CA file " + p + ": "
                    + e.getClass().getSimpleName());
        }
    }
}
