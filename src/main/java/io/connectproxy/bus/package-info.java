/**
 * Event-bus addresses and the local codecs that carry immutable records between verticles without a JSON round trip.
 */
package io.connectproxy.bus;
