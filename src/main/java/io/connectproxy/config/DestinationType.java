package io.connectproxy.config;

/** What an upstream dials: a service by name, or a prepared query executed with {@code connect=true}. */
public enum DestinationType {
    SERVICE("service"),
    PREPARED_QUERY("prepared_query");

    private final String wireName;

    DestinationType(String wireName) {
        this.wireName = wireName;
    }

    /** The name Consul uses in {@code destination_type} / {@code DestinationType}. */
    public String wireName() {
        return wireName;
    }

    /** @return the type, or null when {@code name} is not one of the wire names */
    public static DestinationType fromWireName(String name) {
        for (DestinationType t : values()) {
            if (t.wireName.equals(name)) {
                return t;
            }
        }
        return null;
    }
}
