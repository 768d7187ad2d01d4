package io.connectproxy.devagent;

import io.connectproxy.config.GoDuration;

import java.time.Duration;

/** The blocking-query parameters of one request: {@code index} or {@code hash}, and {@code wait}. */
record BlockingParams(long index, String hash, Duration waitTime) {

    static final Duration DEFAULT_WAIT = Duration.ofMinutes(5);
    static final Duration MAX_WAIT = Duration.ofMinutes(10);

    static BlockingParams from(ApiRequest request) {
        long index = 0;
        String indexText = request.param("index");
        if (indexText != null && !indexText.isEmpty()) {
            try {
                index = Long.parseUnsignedLong(indexText);
            } catch (NumberFormatException e) {
                throw ApiException.badRequest("Invalid index");
            }
        }
        Duration wait = DEFAULT_WAIT;
        String waitText = request.param("wait");
        if (waitText != null && !waitText.isEmpty()) {
            try {
                wait = GoDuration.parse(waitText);
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest("Invalid wait time");
            }
        }
        if (wait.compareTo(MAX_WAIT) > 0) {
            wait = MAX_WAIT;
        }
        String hash = request.param("hash");
        return new BlockingParams(index, hash == null || hash.isEmpty() ? null : hash, wait);
    }
}
