package dev.sluice.bus.internal;

import dev.sluice.policy.ResiliencePolicy;
import dev.sluice.policy.RetrySettings;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * The longest one event's handling can take under a policy (every attempt and every backoff; the fallback excluded):
 * what a new owner of a durable partition taken over from a dead instance waits out on top of the old lease, so that
 * the old owner's last handler has ended before the next one starts (docs/DESIGN.md, "Durable types").
 */
public final class WorstCase {

    private WorstCase() {}

    /**
     * Return the bound of {@code policy}: its total deadline if it has one; else its timeout × max attempts plus the
     * max backoff before each retry; null if it has neither a timeout nor a deadline (no bound). A {@code Retry-After}
     * longer than the max backoff can stretch a retry past this bound; a deadline bounds that too.
     */
    public static @Nullable Duration of(ResiliencePolicy policy) {
        Duration deadline = policy.deadline();
        if (deadline != null) {
            return deadline;
        }
        Duration timeout = policy.timeout();
        if (timeout == null) {
            return null;
        }
        RetrySettings retry = policy.retry();
        if (retry == null) {
            return timeout;
        }
        int attempts = retry.maxAttempts();
        try {
            return timeout.multipliedBy(attempts).plus(retry.maxBackoff().multipliedBy(attempts - 1L));
        } catch (ArithmeticException tooLong) {
            return Duration.ofSeconds(Long.MAX_VALUE, 999_999_999);
        }
    }
}
