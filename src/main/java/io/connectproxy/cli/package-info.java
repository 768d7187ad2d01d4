/**
 * Entry point: picks the mode (proxy, envoy, dev), parses flags and environment, maps failures to exit codes, and
 * hands over to {@code runtime}, {@code envoy} or {@code devmesh}. The only package that writes to stdout/stderr
 * directly.
 */
package io.connectproxy.cli;
