/**
 * The bidirectional byte pipe between two sockets: backpressure, TCP half-close, idle timeout and byte counts, shared by inbound and upstream;
 * and what the listeners need before a pipe starts: a bound on connection set-ups per event loop ({@link io.connectproxy.net.AdmissionGate}),
 * bytes left in the kernel meanwhile ({@link io.connectproxy.net.ReadHold}), the first thing a socket has to read ({@link io.connectproxy.net.FirstRead}),
 * and a listener's count of open proxied connections against its bound ({@link io.connectproxy.net.ConnectionLimit}).
 */
package io.connectproxy.net;
