package dev.sluice.policy.internal;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import reactor.core.publisher.Operators;
import reactor.util.context.Context;

/**
 * Records an attempt's outcome on its circuit breaker so that a failure of the breaker's own bookkeeping cannot end the
 * call. The attempt has already won its CAS when it records, so an exception escaping here would leave the call with
 * neither retry, fallback nor terminal signal, and its subscriber waiting forever.
 *
 * <p>resilience4j 2.4.0 does throw: its {@code LOCK_FREE} count-based window of size 1 moves its head to null on the
 * first record ({@code LockFreeFixedSizeSlidingWindowMetrics} advances the head to {@code head.next}, which a
 * one-node ring does not have), so its second record fails with a {@code NullPointerException}. A breaker with
 * {@code permittedNumberOfCallsInHalfOpenState(1)} has such a window in half-open, and the {@code OPEN} state the
 * probe's failure leads to keeps that window and still records late outcomes of calls permitted before: the second
 * outcome throws. The lost outcome is reported to {@link Operators#onErrorDropped}; the call goes on as if counted.
 */
final class BreakerOutcomes {

    private BreakerOutcomes() {}

    /** Record a success that took since {@code startTimestamp} (the breaker's timestamp unit). */
    static void success(CircuitBreaker breaker, long startTimestamp, Context context) {
        try {
            breaker.onSuccess(breaker.getCurrentTimestamp() - startTimestamp, breaker.getTimestampUnit());
        } catch (RuntimeException bookkeeping) {
            lost(breaker, "a success", bookkeeping, context);
        }
    }

    /** Record {@code error}, an attempt's failure, that took since {@code startTimestamp}. */
    static void error(CircuitBreaker breaker, long startTimestamp, Throwable error, Context context) {
        try {
            breaker.onError(breaker.getCurrentTimestamp() - startTimestamp, breaker.getTimestampUnit(), error);
        } catch (RuntimeException bookkeeping) {
            lost(breaker, "an error", bookkeeping, context);
        }
    }

    private static void lost(CircuitBreaker breaker, String outcome, RuntimeException bookkeeping, Context context) {
        Operators.onErrorDropped(
                new IllegalStateException(
                        "circuit breaker '" + breaker.getName() + "' (" + breaker.getState() + ") failed to record "
                                + outcome + "; the call goes on unrecorded",
                        bookkeeping),
                context);
    }
}
