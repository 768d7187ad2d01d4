package io.connectproxy.config;

/**
 * {@code -upstream name[.service|.query]:[host:]port}, as {@code consul connect proxy} takes it:
 * {@code redis:1234} listens on 127.0.0.1:1234 for service redis; {@code db.query:127.0.0.2:5432} on
 * 127.0.0.2:5432 for the prepared query db.
 */
public final class UpstreamFlag {
    public static final String FLAG = "-upstream";

    private UpstreamFlag() {
    }

    public static UpstreamConfig parse(String value) {
        String field = FLAG + " " + JsonFields.show(value);
        int colon = value == null ? -1 : value.indexOf(':');
        if (colon <= 0 || colon == value.length() - 1) {
            throw new ConfigException(FLAG, "must be name[.service|.query]:[host:]port (e.g. redis:1234), got "
                    + JsonFields.show(value));
        }
        String name = value.substring(0, colon);
        String addr = value.substring(colon + 1);
        DestinationType type = DestinationType.SERVICE;
        if (name.endsWith(".query")) {
            type = DestinationType.PREPARED_QUERY;
            name = name.substring(0, name.length() - ".query".length());
        } else if (name.endsWith(".service")) {
            name = name.substring(0, name.length() - ".service".length());
        }
        if (name.isEmpty()) {
            throw new ConfigException(field, "the destination name is empty");
        }
        HostPort bind = addr.contains(":")
                ? HostPort.parse(addr, UpstreamConfig.DEFAULT_LOCAL_BIND_ADDRESS, field)
                : new HostPort(UpstreamConfig.DEFAULT_LOCAL_BIND_ADDRESS, HostPort.parsePort(addr, field, value));
        return new UpstreamConfig(type, name, UpstreamConfig.DEFAULT_DESTINATION_NAMESPACE, null, bind.host(),
                bind.port(), null, UpstreamConfig.DEFAULT_CONNECT_TIMEOUT_MS, Balancer.DEFAULT, null);
    }
}
