/**
 * Talking to the local Consul agent over HTTP: the request helper (token, datacenter, an overall deadline per call, typed errors, http/https/unix), the outage log (once per outage, not per call), the blocking-query watch (which re-reads by content after any failure), and typed records for the agent's wire format (PascalCase keys stay here).
 */
package io.connectproxy.consul;
