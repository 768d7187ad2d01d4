/**
 * Typed records for the Consul agent's JSON answers. Field names follow Consul's PascalCase wire keys exactly
 * (see src/test/resources/consul/consul-1.10.1); these records never leak into the proxy's own configuration model.
 */
package io.connectproxy.consul.wire;
