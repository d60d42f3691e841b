package dev.sluice.bus;

import dev.sluice.policy.Durations;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * When a subscriber's dead letters are redriven automatically (scheduled redrive, docs/DESIGN.md "Dead letters in
 * Redis"). A new letter is due {@code delays[0]} after it failed; a letter whose n-th redrive failed is due {@code
 * delays[n]} after that; after the last delay the letter is parked and {@link SystemEvents#DEAD_LETTER_PARKED} is
 * published. Immutable and thread-safe; off unless a subscriber asks for it ({@link SubscriberSpec.Builder#redrive}).
 *
 * <p>Every {@link #pollInterval()} the subscriber claims up to {@link #batchSize()} due letters from the store with a
 * lease of {@link #lease()}: while the lease runs no other instance on the same store redrives that letter, and if
 * this instance dies the letter is due again when the lease ends. So a lease must outlast the subscriber's longest
 * handling (its policy's deadline, or timeout × attempts plus backoff), or a slow redrive may run twice. Delivery is
 * at-least-once: handlers should be idempotent. Nothing is claimed while the subscriber's breaker is open, nor while
 * its inbox is half full or overflowing: live events go first, so redrive never turns more of them into overflow
 * letters.
 *
 * <p>Defaults: delays 1 s, 5 s, 30 s, 5 min (docs/DESIGN.md, "Dead letters in Redis"); poll every 1 s; lease 5 min;
 * batch 100; letters with reason {@code CIRCUIT_OPEN} are redriven when the subscriber's breaker closes again.
 */
public final class RedrivePolicy {

    /** Default delays: 1 s, 5 s, 30 s, 5 min. */
    public static final List<Duration> DEFAULT_DELAYS =
            List.of(Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofSeconds(30), Duration.ofMinutes(5));
    /** Default time between looks for due letters: 1 s. */
    public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(1);
    /** Default lease on a claimed letter: 5 min. */
    public static final Duration DEFAULT_LEASE = Duration.ofMinutes(5);
    /** Default most letters claimed per poll: 100. */
    public static final int DEFAULT_BATCH_SIZE = 100;

    private final List<Duration> delays;
    private final Duration pollInterval;
    private final Duration lease;
    private final int batchSize;
    private final boolean redriveCircuitOpenOnClose;

    private RedrivePolicy(Builder b) {
        this.delays = b.delays;
        this.pollInterval = b.pollInterval;
        this.lease = b.lease;
        this.batchSize = b.batchSize;
        this.redriveCircuitOpenOnClose = b.redriveCircuitOpenOnClose;
    }

    /** Return a policy with the defaults. */
    public static RedrivePolicy ofDefaults() {
        return custom().build();
    }

    /** Return a builder starting from the defaults. */
    public static Builder custom() {
        return new Builder();
    }

    /** Return the delays, in order: {@code delays().get(n)} is the wait before redrive n + 1. */
    public List<Duration> delays() {
        return delays;
    }

    /** Return the time between looks for due letters. */
    public Duration pollInterval() {
        return pollInterval;
    }

    /** Return the lease on a claimed letter. */
    public Duration lease() {
        return lease;
    }

    /** Return the most letters claimed per poll. */
    public int batchSize() {
        return batchSize;
    }

    /** Return whether {@code CIRCUIT_OPEN} letters are redriven when the breaker closes. */
    public boolean redriveCircuitOpenOnClose() {
        return redriveCircuitOpenOnClose;
    }

    @Override
    public String toString() {
        return "RedrivePolicy[delays=" + delays + ", pollInterval=" + pollInterval + ", lease=" + lease + ", batchSize="
                + batchSize + ", redriveCircuitOpenOnClose=" + redriveCircuitOpenOnClose + "]";
    }

    /** Builds a {@link RedrivePolicy}. Not thread-safe. */
    public static final class Builder {
        private List<Duration> delays = DEFAULT_DELAYS;
        private Duration pollInterval = DEFAULT_POLL_INTERVAL;
        private Duration lease = DEFAULT_LEASE;
        private int batchSize = DEFAULT_BATCH_SIZE;
        private boolean redriveCircuitOpenOnClose = true;

        private Builder() {}

        /**
         * Wait {@code delays[n]} before redrive n + 1; at least one delay, each {@code >= 0}.
         *
         * @throws IllegalArgumentException naming the bad value if there is no delay or one is negative
         */
        public Builder delays(Duration... delays) {
            Objects.requireNonNull(delays, "delays");
            if (delays.length == 0) {
                throw new IllegalArgumentException("delays must not be empty");
            }
            for (Duration delay : delays) {
                Objects.requireNonNull(delay, "delay");
                if (delay.isNegative()) {
                    throw new IllegalArgumentException("delays must be >= 0, but one was " + delay);
                }
            }
            this.delays = List.copyOf(Arrays.asList(delays));
            return this;
        }

        /** Look for due letters every {@code pollInterval}; {@code > 0}. */
        public Builder pollInterval(Duration pollInterval) {
            this.pollInterval = Durations.requirePositive("pollInterval", pollInterval);
            return this;
        }

        /** Lease each claimed letter for {@code lease}; {@code > 0}. */
        public Builder lease(Duration lease) {
            this.lease = Durations.requirePositive("lease", lease);
            return this;
        }

        /** Claim at most {@code batchSize} letters per poll; {@code >= 1}. */
        public Builder batchSize(int batchSize) {
            if (batchSize < 1) {
                throw new IllegalArgumentException("batchSize must be >= 1, but was " + batchSize);
            }
            this.batchSize = batchSize;
            return this;
        }

        /** Redrive {@code CIRCUIT_OPEN} letters when the subscriber's breaker closes (default {@code true}). */
        public Builder redriveCircuitOpenOnClose(boolean redrive) {
            this.redriveCircuitOpenOnClose = redrive;
            return this;
        }

        /** Build the policy. */
        public RedrivePolicy build() {
            return new RedrivePolicy(this);
        }
    }
}
