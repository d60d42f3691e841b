package dev.sluice.policy;

import java.time.Duration;
import java.util.Objects;

/**
 * Immutable hedging settings of a {@link ResiliencePolicy}: how many extra attempts may run beside the first, and how
 * long to wait before starting each. The semantics and defaults follow Polly v8's hedging strategy
 * ({@code HedgingStrategyOptions}: {@code MaxHedgedAttempts} 1, range 1 to 10; {@code Delay} 2 s, zero starting every
 * attempt at once).
 *
 * <p>When an attempt has not finished within {@code delay}, another one starts beside it, up to
 * {@code maxHedgedAttempts} beyond the first, one more per further {@code delay}; an attempt that fails with a
 * {@link ErrorClass#RETRYABLE} error makes the next one start at once. The first acceptable outcome — a value, an
 * empty completion, or a failure the classifier does not call retryable (another attempt would fail the same way) —
 * ends the round and cancels the others. When every attempt failed retryably, the round fails with the first
 * attempt's (the primary's) failure. See {@link ResiliencePolicy} for the place of hedging in the order.
 */
public final class HedgeSettings {

    /** Default extra attempts beside the first: {@value} (Polly's default). */
    public static final int DEFAULT_MAX_HEDGED_ATTEMPTS = 1;
    /** Largest allowed {@code maxHedgedAttempts}: {@value} (Polly's bound). */
    public static final int MAX_HEDGED_ATTEMPTS_LIMIT = 10;
    /** Default delay before each extra attempt: 2 s (Polly's default). */
    public static final Duration DEFAULT_DELAY = Duration.ofSeconds(2);

    private final int maxHedgedAttempts;
    private final Duration delay;

    private HedgeSettings(Builder b) {
        this.maxHedgedAttempts = b.maxHedgedAttempts;
        this.delay = b.delay;
    }

    /** Return settings with every default. */
    public static HedgeSettings ofDefaults() {
        return builder().build();
    }

    /** Return a builder starting from the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** Return a builder starting from these settings. */
    public Builder mutate() {
        return new Builder().maxHedgedAttempts(maxHedgedAttempts).delay(delay);
    }

    /** Return the most attempts started beside the first, 1 to {@value #MAX_HEDGED_ATTEMPTS_LIMIT}. */
    public int maxHedgedAttempts() {
        return maxHedgedAttempts;
    }

    /** Return how long an attempt may run before the next one starts beside it; zero starts them all at once. */
    public Duration delay() {
        return delay;
    }

    @Override
    public String toString() {
        return "HedgeSettings{maxHedgedAttempts=" + maxHedgedAttempts + ", delay=" + delay + "}";
    }

    /** Builds {@link HedgeSettings}; setters validate at once. Not thread-safe. */
    public static final class Builder {
        private int maxHedgedAttempts = DEFAULT_MAX_HEDGED_ATTEMPTS;
        private Duration delay = DEFAULT_DELAY;

        private Builder() {}

        /** Set the most attempts started beside the first; 1 to {@value #MAX_HEDGED_ATTEMPTS_LIMIT}. */
        public Builder maxHedgedAttempts(int maxHedgedAttempts) {
            if (maxHedgedAttempts < 1 || maxHedgedAttempts > MAX_HEDGED_ATTEMPTS_LIMIT) {
                throw new IllegalArgumentException("maxHedgedAttempts must be in [1, " + MAX_HEDGED_ATTEMPTS_LIMIT
                        + "], but was " + maxHedgedAttempts);
            }
            this.maxHedgedAttempts = maxHedgedAttempts;
            return this;
        }

        /** Set the delay before each extra attempt; {@code >= 0}, zero starting every attempt at once. */
        public Builder delay(Duration delay) {
            Objects.requireNonNull(delay, "delay");
            if (delay.isNegative()) {
                throw new IllegalArgumentException("delay must be >= 0, but was " + delay);
            }
            this.delay = delay;
            return this;
        }

        /** Build the settings. */
        public HedgeSettings build() {
            return new HedgeSettings(this);
        }
    }
}
