package dev.sluice.policy;

/**
 * Signalled when a retryable error persisted through every attempt a policy allows. The cause is the last underlying
 * failure.
 */
public final class RetriesExhaustedException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String policy;
    private final int attempts;

    /** Create the exception for {@code policy} after {@code attempts} attempts, with the last failure as cause. */
    public RetriesExhaustedException(String policy, int attempts, Throwable lastFailure) {
        super(
                "Policy '" + policy + "' gave up after " + attempts + " attempts: " + lastFailure,
                lastFailure,
                false,
                false);
        this.policy = policy;
        this.attempts = attempts;
    }

    /** Return the name of the policy that gave up. */
    public String policy() {
        return policy;
    }

    /** Return how many attempts were made, counting the first call. */
    public int attempts() {
        return attempts;
    }
}
