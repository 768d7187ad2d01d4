/**
 * The embedded development agent: an in-memory stand-in for consul agent -dev (services, health, CA with SPIFFE leaf certificates, intentions, prepared queries) that answers the agent HTTP API in Consul's exact shape.
 */
package io.connectproxy.devagent;
