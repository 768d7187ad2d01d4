package io.connectproxy.devagent;

/** An HTTP error answered like Consul does: a status code and a plain-text body. */
final class ApiException extends RuntimeException {

    private final int status;

    ApiException(int status, String message) {
        super(message);
        this.status = status;
    }

    int status() {
        return status;
    }

    static ApiException badRequest(String message) {
        return new ApiException(400, message);
    }

    static ApiException notFound(String message) {
        return new ApiException(404, message);
    }

    static ApiException serverError(String message) {
        return new ApiException(500, message);
    }
}
