/**
 * The public mTLS listener: handshake deadline, client identity, cached authorization against intentions, and only then the connection to the local application.
 */
package io.connectproxy.inbound;
