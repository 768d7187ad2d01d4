/**
 * Talking to the local Consul agent over HTTP: the request helper (token, datacenter, timeouts, typed errors, http/https/unix), the blocking-query watch, and typed records for the agent's wire format (PascalCase keys stay here).
 */
package io.connectproxy.consul;
