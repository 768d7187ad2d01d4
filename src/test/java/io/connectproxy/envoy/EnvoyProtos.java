package io.connectproxy.envoy;

import com.google.protobuf.Descriptors;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Method;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

/**
 * Parses bootstrap JSON into Envoy's {@link Bootstrap} message the strict way: unknown fields are errors, and
 * {@code typed_config} {@code @type}s resolve through a type registry holding every message of the Envoy api jar
 * (each {@code *Proto} outer class's file descriptor, which brings its imports along).
 */
final class EnvoyProtos {
    private static volatile JsonFormat.Parser parser;

    private EnvoyProtos() {
    }

    static Bootstrap parse(String json) {
        Bootstrap.Builder b = Bootstrap.newBuilder();
        try {
            parser().merge(json, b);
        } catch (InvalidProtocolBufferException e) {
            throw new AssertionError("not a valid envoy.config.bootstrap.v3.Bootstrap: " + e.getMessage() + "\n" + json,
                    e);
        }
        return b.build();
    }

    private static JsonFormat.Parser parser() {
        if (parser == null) {
            synchronized (EnvoyProtos.class) {
                if (parser == null) {
                    parser = JsonFormat.parser().usingTypeRegistry(registry());
                }
            }
        }
        return parser;
    }

    private static JsonFormat.TypeRegistry registry() {
        JsonFormat.TypeRegistry.Builder registry = JsonFormat.TypeRegistry.newBuilder();
        try {
            Path jar = Path.of(Bootstrap.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            try (JarFile file = new JarFile(jar.toFile())) {
                Enumeration<JarEntry> entries = file.entries();
                while (entries.hasMoreElements()) {
                    String name = entries.nextElement().getName();
                    // typed_config types live in config/ and extensions/; their imports come along
                    boolean typedConfigHome = name.startsWith("io/envoyproxy/envoy/config/")
                            || name.startsWith("io/envoyproxy/envoy/extensions/");
                    if (!typedConfigHome || !name.endsWith("Proto.class") || name.contains("$")) {
                        continue;
                    }
                    String className = name.substring(0, name.length() - ".class".length()).replace('/', '.');
                    try {
                        Method m = Class.forName(className, false, EnvoyProtos.class.getClassLoader())
                                .getMethod("getDescriptor");
                        Descriptors.FileDescriptor fd = (Descriptors.FileDescriptor) m.invoke(null);
                        for (Descriptors.Descriptor d : fd.getMessageTypes()) {
                            registry.add(d);
                        }
                    } catch (ReflectiveOperationException | LinkageError | ClassCastException e) {
                        // not a generated outer class, or needs a library we excluded (gRPC stubs): skip
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
        return registry.build();
    }
}
