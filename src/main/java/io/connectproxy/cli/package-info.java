/**
 * Entry point: picks the mode (proxy, envoy, dev), parses flags and environment, sets up logging, maps failures to exit codes. The only package that writes to stdout/stderr directly.
 */
package io.connectproxy.cli;
