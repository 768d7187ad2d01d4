package io.connectproxy.devagent;

import java.util.ArrayList;
import java.util.List;

/** Which instances answer a health or catalog query, and whether they are healthy enough to list. */
final class HealthView {

    private final Catalog catalog;

    HealthView(Catalog catalog) {
        this.catalog = catalog;
    }

    /** Instances named {@code name}. */
    List<ServiceRecord> instances(String name) {
        List<ServiceRecord> out = new ArrayList<>();
        for (ServiceRecord s : catalog.services()) {
            if (s.name().equals(name)) {
                out.add(s);
            }
        }
        return out;
    }

    /** Instances that accept Connect traffic for {@code name}: its proxies and its connect-native instances. */
    List<ServiceRecord> connectInstances(String name) {
        List<ServiceRecord> out = new ArrayList<>();
        for (ServiceRecord s : catalog.services()) {
            boolean proxyFor = s.isProxy() && s.proxy() != null && name.equals(s.proxy().destinationServiceName());
            boolean nativeNamed = s.connectNative() && s.name().equals(name);
            if (proxyFor || nativeNamed) {
                out.add(s);
            }
        }
        return out;
    }

    /** Every check passing (the node's serfHealth always is). */
    boolean passing(ServiceRecord s) {
        return catalog.checksOf(s.id()).stream().allMatch(c -> c.status().equals(CheckRecord.PASSING));
    }

    /** No critical check: prepared queries drop only critical instances unless OnlyPassing. */
    boolean notCritical(ServiceRecord s) {
        return catalog.checksOf(s.id()).stream().noneMatch(c -> c.status().equals(CheckRecord.CRITICAL));
    }

    List<CheckRecord> checks(ServiceRecord s) {
        return catalog.checksOf(s.id());
    }
}
