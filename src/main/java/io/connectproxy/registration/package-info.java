/**
 * {@code -register}: the proxy registering itself with the local agent as a {@code connect-proxy} service with a
 * TTL check that passes only while the proxy is ready, and deregistering on exit.
 */
package io.connectproxy.registration;
