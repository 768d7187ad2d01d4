package io.connectproxy.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SpiffeIdTest {

    private static final String WEB =
            "spiffe://7258079e-aed1-f8df-a8b6-821f9a25b5e6.consul/ns/default/dc/dc1/svc/web";

    @Test
    void parsesConsulServiceId() {
        SpiffeId id = SpiffeId.parseService(WEB);
        assertEquals("7258079e-aed1-f8df-a8b6-821f9a25b5e6.consul", id.trustDomain());
        assertEquals("default", id.namespace());
        assertEquals("dc1", id.datacenter());
        assertEquals("web", id.service());
        assertEquals(WEB, id.uri());
    }

    @ParameterizedTest
    @CsvSource({
        "'', EMPTY",
        "'   ', EMPTY",
        "spiffe://td.consul/agent/client/dc/dc1/id/node1, NOT_A_SERVICE_ID",
        "spiffe://td.consul, NOT_A_SERVICE_ID",
        "spiffe://td.consul/ns/default/dc/dc1/svc/web/extra, NOT_A_SERVICE_ID",
        "spiffe://td.consul/ns/default/dc/dc1/svc, NOT_A_SERVICE_ID",
        "spiffe://td.consul/dc/dc1/svc/web, NOT_A_SERVICE_ID",
        "https://td.consul/ns/default/dc/dc1/svc/web, WRONG_SCHEME",
        "td.consul/ns/default/dc/dc1/svc/web, WRONG_SCHEME",
        "spiffe:///ns/default/dc/dc1/svc/web, NO_TRUST_DOMAIN",
        "spiffe://td.consul/ns//dc/dc1/svc/web, EMPTY_SEGMENT",
        "spiffe://td.consul/ns/default/dc//svc/web, EMPTY_SEGMENT",
        "spiffe://td.consul/ns/default/dc/dc1/svc/, EMPTY_SEGMENT",
        "spiffe://td.consul:8443/ns/default/dc/dc1/svc/web, MALFORMED",
        "spiffe://td.consul/ns/default/dc/dc1/svc/web?x=1, MALFORMED",
        "spiffe://td consul/ns, MALFORMED",
    })
    void rejectsWithReason(String uri, SpiffeIdException.Reason reason) {
        SpiffeIdException e = assertThrows(SpiffeIdException.class, () -> SpiffeId.parseService(uri));
        assertEquals(reason, e.reason(), e.getMessage());
    }

    @Test
    void sameServiceIgnoresTrustDomainOnly() {
        SpiffeId a = SpiffeId.parseService("spiffe://old.consul/ns/default/dc/dc1/svc/web");
        assertTrue(a.sameServiceAs(SpiffeId.parseService("spiffe://new.consul/ns/default/dc/dc1/svc/web")),
                () -> String.valueOf(a));
        assertFalse(a.sameServiceAs(SpiffeId.parseService("spiffe://old.consul/ns/default/dc/dc2/svc/web")));
        assertFalse(a.sameServiceAs(SpiffeId.parseService("spiffe://old.consul/ns/other/dc/dc1/svc/web")));
        assertFalse(a.sameServiceAs(SpiffeId.parseService("spiffe://old.consul/ns/default/dc/dc1/svc/api")));
        assertFalse(a.sameServiceAs(null));
    }
}
