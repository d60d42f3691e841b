package dev.sluice.policy;

import java.util.Objects;

/**
 * The final failure of a guarded call, as a fallback sees it: the last underlying error (never a retry wrapper), how
 * many attempts were made, and what ended the call.
 *
 * @param error the last underlying error; for a deadline, a rejection or an exhausted retry the error of the last
 *     attempt, or the rejection itself when no attempt ran
 * @param attempts attempts started, counting the first call; {@code 0} when the call was rejected before any attempt
 * @param signal what the policy would have signalled without a fallback: {@link RetriesExhaustedException},
 *     {@link DeadlineExceededException}, a rejection ({@code CallNotPermittedException}, {@code BulkheadFullException},
 *     {@code RequestNotPermitted}), or {@code error} itself for a non-retryable error
 */
public record Failure(Throwable error, int attempts, Throwable signal) {

    /**
     * Create a failure.
     *
     * @throws NullPointerException if {@code error} is null
     * @throws IllegalArgumentException if {@code attempts} is negative
     */
    public Failure {
        Objects.requireNonNull(error, "error");
        Objects.requireNonNull(signal, "signal");
        if (attempts < 0) {
            throw new IllegalArgumentException("attempts must be >= 0, but was " + attempts);
        }
    }

    /** Create a failure whose signal is {@code error} itself. */
    public Failure(Throwable error, int attempts) {
        this(error, attempts, error);
    }
}
