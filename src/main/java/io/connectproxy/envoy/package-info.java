/**
 * The one-shot Envoy mode: builds the Envoy v3 bootstrap for a registered sidecar like consul connect envoy, prints it or starts Envoy with it without leaking the token.
 */
package io.connectproxy.envoy;
