package io.connectproxy.envoy;

import io.connectproxy.config.ConfigException;
import io.connectproxy.config.HostPort;

/** The shared Go-compatible address parser ({@link HostPort#splitGo}) with its errors as usage errors of this mode. */
final class GoAddress {
    private GoAddress() {
    }

    static HostPort split(String value, String source) {
        try {
            return HostPort.splitGo(value, source);
        } catch (ConfigException e) {
            throw EnvoyException.usage(e);
        }
    }

    static int port(String text, String source) {
        try {
            return HostPort.goPort(text, source);
        } catch (ConfigException e) {
            throw EnvoyException.usage(e);
        }
    }
}
