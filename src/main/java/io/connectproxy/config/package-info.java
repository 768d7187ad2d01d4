/**
 * The proxy's configuration: immutable records, parsing of the service-definition JSON file, flags and environment with their precedence, validation with errors that name the field, and the ConfigWatcherVerticle that publishes each valid config on the bus.
 */
package io.connectproxy.config;
