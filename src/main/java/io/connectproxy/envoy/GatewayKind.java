package io.connectproxy.envoy;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/** The gateway kinds {@code -gateway} accepts, with the service kind Consul registers them as. */
public enum GatewayKind {
    MESH("mesh", "mesh-gateway"),
    TERMINATING("terminating", "terminating-gateway"),
    INGRESS("ingress", "ingress-gateway");

    private final String flagValue;
    private final String serviceKind;

    GatewayKind(String flagValue, String serviceKind) {
        this.flagValue = flagValue;
        this.serviceKind = serviceKind;
    }

    public String flagValue() {
        return flagValue;
    }

    /** The agent's {@code Kind}; also the default service name, as in Consul. */
    public String serviceKind() {
        return serviceKind;
    }

    public static Optional<GatewayKind> fromFlag(String value) {
        String v = value.toLowerCase(Locale.ROOT);
        return Arrays.stream(values()).filter(k -> k.flagValue.equals(v)).findFirst();
    }
}
