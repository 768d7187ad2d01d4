package io.connectproxy.bus;

import io.vertx.core.Vertx;

/**
 * Registers the local codecs for the record types sent on the bus. Idempotent per Vert.x instance, so every
 * verticle can call it in {@code start()} without knowing who else did.
 */
public final class Codecs {
    private Codecs() {
    }

    /** Registers a default codec for each type unless one is already registered. */
    public static void register(Vertx vertx, Class<?>... types) {
        for (Class<?> type : types) {
            registerOne(vertx, type);
        }
    }

    private static <T> void registerOne(Vertx vertx, Class<T> type) {
        try {
            vertx.eventBus().registerDefaultCodec(type, new LocalCodec<>(type));
        } catch (IllegalStateException alreadyRegistered) {
            // another verticle of this Vert.x registered it first: that is the expected case
        }
    }
}
