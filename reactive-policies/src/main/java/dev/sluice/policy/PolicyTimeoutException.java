package dev.sluice.policy;

import java.time.Duration;
import java.util.concurrent.TimeoutException;

/**
 * Signalled when one attempt did not complete within the policy's timeout; the attempt was cancelled upstream. A
 * {@link TimeoutException}, so it is {@link ErrorClass#RETRYABLE} and counts as a circuit-breaker failure.
 */
public final class PolicyTimeoutException extends TimeoutException {

    private static final long serialVersionUID = 1L;

    private final String policy;
    private final Duration timeout;

    /** Create the exception for {@code policy}'s {@code timeout}. */
    public PolicyTimeoutException(String policy, Duration timeout) {
        super("Policy '" + policy + "': attempt did not complete within " + timeout.toMillis() + " ms");
        this.policy = policy;
        this.timeout = timeout;
    }

    /** Return the name of the policy whose timeout expired. */
    public String policy() {
        return policy;
    }

    /** Return the timeout that expired. */
    public Duration timeout() {
        return timeout;
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
        return this; // raised by a timer: the stack would show only the timer's thread
    }
}
