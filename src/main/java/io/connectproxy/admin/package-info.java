/**
 * The loopback admin HTTP endpoint: readiness, health, Prometheus metrics and the redacted running config.
 */
package io.connectproxy.admin;
