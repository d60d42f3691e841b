package dev.sluice.policy;

/**
 * What a failure says about the dependency, as decided by an {@link ErrorClassifier}.
 *
 * <p>Follows docs/DESIGN.md "Error classification".
 */
public enum ErrorClass {
    /** Transient: retried while attempts remain, and recorded as a failure by the circuit breaker. */
    RETRYABLE,
    /** Will fail again: not retried, but recorded as a failure by the circuit breaker. */
    PERMANENT,
    /**
     * The request's own fault, or a self-inflicted rejection (breaker open, bulkhead full, rate limited): not retried
     * and not recorded by the breaker, since it says nothing about the dependency's health.
     */
    IGNORED
}
