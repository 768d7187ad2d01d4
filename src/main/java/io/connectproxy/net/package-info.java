/**
 * The bidirectional byte pipe between two sockets: backpressure, TCP half-close, idle timeout and byte counts, shared by inbound and upstream.
 */
package io.connectproxy.net;
