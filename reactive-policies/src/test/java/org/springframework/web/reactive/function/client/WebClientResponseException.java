package org.springframework.web.reactive.function.client;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatusCode;

/**
 * Test stand-in for Spring's {@code WebClientResponseException} (same name and accessors), so the classifier's
 * reflective path is tested without Spring on the classpath.
 */
public class WebClientResponseException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final transient HttpStatusCode status;
    private final transient HttpHeaders headers;

    public WebClientResponseException(int status, HttpHeaders headers) {
        super("HTTP " + status);
        this.status = HttpStatusCode.valueOf(status);
        this.headers = headers;
    }

    public HttpStatusCode getStatusCode() {
        return status;
    }

    public HttpHeaders getHeaders() {
        return headers;
    }
}
