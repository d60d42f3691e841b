package dev.sluice.policy;

import java.time.Duration;
import java.util.Objects;

/**
 * Immutable retry settings of a {@link ResiliencePolicy}: how many attempts, and the backoff between them.
 *
 * <p>Only errors the policy's {@link ErrorClassifier} calls {@link ErrorClass#RETRYABLE} are retried. The delay
 * before retry {@code n} is the {@link Backoff} base capped at {@code maxBackoff}, moved by a uniformly random jitter
 * of up to {@code ± jitter × base} and kept within {@code [minBackoff, maxBackoff]} (the shape of Reactor's
 * {@code Retry.backoff}); a {@code Retry-After} carried by the error raises it to at least that. Defaults: 3 attempts,
 * 100 ms to 10 s, multiplier 2, jitter 0.5, exponential.
 */
public final class RetrySettings {

    /** Default attempts, counting the first call: {@value}. */
    public static final int DEFAULT_MAX_ATTEMPTS = 3;
    /** Default minimum backoff: 100 ms. */
    public static final Duration DEFAULT_MIN_BACKOFF = Duration.ofMillis(100);
    /** Default maximum backoff: 10 s. */
    public static final Duration DEFAULT_MAX_BACKOFF = Duration.ofSeconds(10);
    /** Default multiplier of exponential backoff: {@value}. */
    public static final double DEFAULT_MULTIPLIER = 2.0;
    /** Default jitter factor: {@value} (Reactor's default). */
    public static final double DEFAULT_JITTER = 0.5;

    private final int maxAttempts;
    private final Duration minBackoff;
    private final Duration maxBackoff;
    private final double multiplier;
    private final double jitter;
    private final Backoff backoff;

    private RetrySettings(Builder b) {
        this.maxAttempts = b.maxAttempts;
        this.minBackoff = b.minBackoff;
        this.maxBackoff = b.maxBackoff;
        this.multiplier = b.multiplier;
        this.jitter = b.jitter;
        this.backoff = b.backoff;
    }

    /** Return settings with every default. */
    public static RetrySettings ofDefaults() {
        return builder().build();
    }

    /** Return a builder starting from the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** Return a builder starting from these settings. */
    public Builder mutate() {
        Builder b = new Builder();
        b.maxAttempts = maxAttempts;
        b.minBackoff = minBackoff;
        b.maxBackoff = maxBackoff;
        b.multiplier = multiplier;
        b.jitter = jitter;
        b.backoff = backoff;
        return b;
    }

    /** Return the number of attempts, counting the first call (resilience4j's convention); at least 1. */
    public int maxAttempts() {
        return maxAttempts;
    }

    /** Return the smallest delay before a retry. */
    public Duration minBackoff() {
        return minBackoff;
    }

    /** Return the largest delay before a retry (a {@code Retry-After} may exceed it). */
    public Duration maxBackoff() {
        return maxBackoff;
    }

    /** Return the growth factor of {@link Backoff#EXPONENTIAL}. */
    public double multiplier() {
        return multiplier;
    }

    /** Return the jitter factor, 0 (none) to 1. */
    public double jitter() {
        return jitter;
    }

    /** Return the backoff shape. */
    public Backoff backoff() {
        return backoff;
    }

    @Override
    public String toString() {
        return "RetrySettings{maxAttempts=" + maxAttempts + ", backoff=" + backoff + " " + minBackoff + ".."
                + maxBackoff + ", multiplier=" + multiplier + ", jitter=" + jitter + "}";
    }

    /** Builds {@link RetrySettings}; setters validate at once. Not thread-safe. */
    public static final class Builder {
        private int maxAttempts = DEFAULT_MAX_ATTEMPTS;
        private Duration minBackoff = DEFAULT_MIN_BACKOFF;
        private Duration maxBackoff = DEFAULT_MAX_BACKOFF;
        private double multiplier = DEFAULT_MULTIPLIER;
        private double jitter = DEFAULT_JITTER;
        private Backoff backoff = Backoff.EXPONENTIAL;

        private Builder() {}

        /** Set the attempts, counting the first call; {@code >= 1}. */
        public Builder maxAttempts(int maxAttempts) {
            if (maxAttempts < 1) {
                throw new IllegalArgumentException("maxAttempts must be >= 1, but was " + maxAttempts);
            }
            this.maxAttempts = maxAttempts;
            return this;
        }

        /** Set the smallest delay before a retry; {@code >= 0}. */
        public Builder minBackoff(Duration minBackoff) {
            Objects.requireNonNull(minBackoff, "minBackoff");
            if (minBackoff.isNegative()) {
                throw new IllegalArgumentException("minBackoff must be >= 0, but was " + minBackoff);
            }
            this.minBackoff = minBackoff;
            return this;
        }

        /** Set the largest delay before a retry; {@code >= minBackoff} (checked in {@link #build()}). */
        public Builder maxBackoff(Duration maxBackoff) {
            Objects.requireNonNull(maxBackoff, "maxBackoff");
            if (maxBackoff.isNegative()) {
                throw new IllegalArgumentException("maxBackoff must be >= 0, but was " + maxBackoff);
            }
            this.maxBackoff = maxBackoff;
            return this;
        }

        /** Set the growth factor of exponential backoff; {@code >= 1}. */
        public Builder multiplier(double multiplier) {
            if (!(multiplier >= 1.0) || Double.isInfinite(multiplier)) {
                throw new IllegalArgumentException("multiplier must be a finite number >= 1, but was " + multiplier);
            }
            this.multiplier = multiplier;
            return this;
        }

        /** Set the jitter factor, from 0 (none) to 1 (delay anywhere from 0 to twice the base). */
        public Builder jitter(double jitter) {
            if (!(jitter >= 0.0 && jitter <= 1.0)) {
                throw new IllegalArgumentException("jitter must be in [0, 1], but was " + jitter);
            }
            this.jitter = jitter;
            return this;
        }

        /** Set the backoff shape. */
        public Builder backoff(Backoff backoff) {
            this.backoff = Objects.requireNonNull(backoff, "backoff");
            return this;
        }

        /**
         * Build the settings.
         *
         * @throws IllegalStateException if {@code maxBackoff < minBackoff}
         */
        public RetrySettings build() {
            if (maxBackoff.compareTo(minBackoff) < 0) {
                throw new IllegalStateException(
                        "maxBackoff (" + maxBackoff + ") must be >= minBackoff (" + minBackoff + ")");
            }
            return new RetrySettings(this);
        }
    }
}
