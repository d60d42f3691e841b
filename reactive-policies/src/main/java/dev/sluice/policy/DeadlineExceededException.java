package dev.sluice.policy;

import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * Signalled when a call's total deadline (across all attempts and backoffs) expired, during an attempt or because the
 * next backoff would end past it. The cause is the last attempt's failure, when there was one.
 */
public final class DeadlineExceededException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String policy;
    private final Duration deadline;
    private final int attempts;

    /** Create the exception for {@code policy}'s {@code deadline} after {@code attempts} attempts. */
    public DeadlineExceededException(String policy, Duration deadline, int attempts, @Nullable Throwable lastFailure) {
        super(
                "Policy '" + policy + "': deadline of " + deadline.toMillis() + " ms exceeded after " + attempts
                        + " attempts",
                lastFailure,
                false,
                false);
        this.policy = policy;
        this.deadline = deadline;
        this.attempts = attempts;
    }

    /** Return the name of the policy whose deadline expired. */
    public String policy() {
        return policy;
    }

    /** Return the deadline that expired. */
    public Duration deadline() {
        return deadline;
    }

    /** Return how many attempts were started before it expired. */
    public int attempts() {
        return attempts;
    }
}
