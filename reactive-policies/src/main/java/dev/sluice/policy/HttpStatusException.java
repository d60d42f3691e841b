package dev.sluice.policy;

import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * An HTTP response with an error status, carrying what the {@link ErrorClassifier} needs: the status code and the
 * server's {@code Retry-After}. Throw (or signal) it from a guarded HTTP call whose client does not have an
 * exception type of its own; Spring's {@code WebClientResponseException} is recognised without it.
 *
 * <p>Standard classification: {@code 429} and {@code 5xx} are {@link ErrorClass#RETRYABLE} (with {@code Retry-After}
 * as the minimum backoff); other {@code 4xx} are {@link ErrorClass#IGNORED}; anything else is
 * {@link ErrorClass#PERMANENT}.
 */
public class HttpStatusException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int status;
    private final @Nullable Duration retryAfter;

    /**
     * Create the exception.
     *
     * @param status the HTTP status code, 100 to 599
     * @param retryAfter the server's {@code Retry-After}, or null when absent
     * @throws IllegalArgumentException if {@code status} is outside 100..599 or {@code retryAfter} is negative
     */
    public HttpStatusException(int status, @Nullable Duration retryAfter) {
        super("HTTP status " + status + (retryAfter == null ? "" : ", Retry-After " + retryAfter));
        if (status < 100 || status > 599) {
            throw new IllegalArgumentException("status must be in 100..599, but was " + status);
        }
        if (retryAfter != null && retryAfter.isNegative()) {
            throw new IllegalArgumentException("retryAfter must be >= 0, but was " + retryAfter);
        }
        this.status = status;
        this.retryAfter = retryAfter;
    }

    /** Create the exception without a {@code Retry-After}. */
    public HttpStatusException(int status) {
        this(status, null);
    }

    /** Return the HTTP status code. */
    public int status() {
        return status;
    }

    /** Return the server's {@code Retry-After}, or null when it sent none. */
    public @Nullable Duration retryAfter() {
        return retryAfter;
    }
}
