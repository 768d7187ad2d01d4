package io.connectproxy.consul.wire;

/** An agent answer that does not have the shape Consul documents; the message names the JSON path. */
public final class WireFormatException extends RuntimeException {
    public WireFormatException(String message) {
        super(message);
    }
}
