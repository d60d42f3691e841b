package dev.sluice.bus.internal;

import dev.sluice.policy.HedgeSettings;
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
     * Return the bound of {@code policy}: its total deadline if it has one; else one attempt's bound × max attempts
     * plus the max backoff before each retry, where an attempt's bound is the timeout, plus the hedge delay × max
     * hedged attempts if the policy hedges (the last hedge starts that late and has its own timeout); null if it has neither a timeout nor a deadline (no bound). A {@code Retry-After}
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
        HedgeSettings hedge = policy.hedge();
        try {
            Duration attempt =
                    hedge == null ? timeout : timeout.plus(hedge.delay().multipliedBy(hedge.maxHedgedAttempts()));
            if (retry == null) {
                return attempt;
            }
            int attempts = retry.maxAttempts();
            return attempt.multipliedBy(attempts).plus(retry.maxBackoff().multipliedBy(attempts - 1L));
        } catch (ArithmeticException tooLong) {
            return Duration.ofSeconds(Long.MAX_VALUE, 999_999_999);
        }
    }
}
