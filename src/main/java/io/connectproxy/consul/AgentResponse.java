package io.connectproxy.consul;

/**
 * A successful agent answer with its blocking-query cursors: {@code index} from {@code X-Consul-Index}
 * (0 when absent) and {@code contentHash} from {@code X-Consul-ContentHash} (empty when absent).
 */
public record AgentResponse<T>(T body, long index, String contentHash) {

    public <R> AgentResponse<R> map(java.util.function.Function<T, R> f) {
        return new AgentResponse<>(f.apply(body), index, contentHash);
    }
}
