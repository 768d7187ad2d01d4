package io.connectproxy.envoy;

/**
 * How a run of {@link EnvoyBootstrapVerticle} ended: the process exit code (Envoy's own when it was started)
 * and the bootstrap document that was generated, for the CLI to print under {@code -bootstrap}.
 */
public record EnvoyOutcome(int exitCode, String bootstrapJson) {
}
