package dev.sluice.policy.internal;

import dev.sluice.policy.RetrySettings;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import org.jspecify.annotations.Nullable;

/** The delay before a retry, as {@link RetrySettings} documents it. Runs only on failure. */
public final class Backoffs {

    private Backoffs() {}

    /**
     * Return the delay in nanoseconds before the retry that follows failed attempt {@code failedAttempts} (1 after
     * the first failure), given the failure {@code error} (whose {@code Retry-After}, if any, is the minimum).
     */
    public static long delayNanos(RetrySettings retry, int failedAttempts, @Nullable Throwable error) {
        long min = retry.minBackoff().toNanos();
        long max = retry.maxBackoff().toNanos();
        double base =
                switch (retry.backoff()) {
                    case FIXED -> (double) min;
                    case LINEAR -> (double) min * failedAttempts;
                    case EXPONENTIAL -> (double) min * Math.pow(retry.multiplier(), failedAttempts - 1);
                };
        base = Math.min(base, (double) max);
        double spread = base * retry.jitter();
        double jittered =
                spread == 0 ? base : base + ThreadLocalRandom.current().nextDouble(-spread, spread);
        long delay = (long) Math.max((double) min, Math.min((double) max, jittered));
        Duration retryAfter = error == null ? null : HttpErrors.retryAfter(error);
        return retryAfter == null ? delay : Math.max(delay, retryAfter.toNanos());
    }
}
