package dev.sluice.policy;

import java.util.Objects;

/**
 * The final failure of a guarded call, as a fallback sees it: the last underlying error (never a retry wrapper) and
 * how many attempts were made.
 *
 * @param error the last underlying error; for a deadline, a rejection or an exhausted retry the error of the last
 *     attempt, or the rejection itself when no attempt ran
 * @param attempts attempts started, counting the first call; {@code 0} when the call was rejected before any attempt
 */
public record Failure(Throwable error, int attempts) {

    /**
     * Create a failure.
     *
     * @throws NullPointerException if {@code error} is null
     * @throws IllegalArgumentException if {@code attempts} is negative
     */
    public Failure {
        Objects.requireNonNull(error, "error");
        if (attempts < 0) {
            throw new IllegalArgumentException("attempts must be >= 0, but was " + attempts);
        }
    }
}
