package io.connectproxy.config;

/** How an upstream listener picks one healthy instance per connection ({@code config.balancer}). */
public enum Balancer {
    ROUND_ROBIN("round_robin"),
    LEAST_CONN("least_conn");

    public static final Balancer DEFAULT = ROUND_ROBIN;

    private final String wireName;

    Balancer(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }

    /** @return the balancer, or null when {@code name} is not one of the wire names */
    public static Balancer fromWireName(String name) {
        for (Balancer b : values()) {
            if (b.wireName.equals(name)) {
                return b;
            }
        }
        return null;
    }
}
