package dev.sluice.policy;

import dev.sluice.policy.internal.PolicyCounters;
import dev.sluice.policy.internal.PolicyEvents;
import dev.sluice.policy.internal.PolicyOperators;
import dev.sluice.policy.internal.PolicySpec;
import dev.sluice.policy.internal.Resilience4jConfigs;
import dev.sluice.policy.internal.WheelScheduler;
import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadConfig;
import io.github.resilience4j.bulkhead.BulkheadRegistry;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import io.github.resilience4j.ratelimiter.RateLimiterRegistry;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * A named, immutable resilience policy that guards any {@code Mono} or {@code Flux}:
 * {@code mono.transform(policy::apply)}.
 *
 * <h2>Order (fixed)</h2>
 *
 * Outermost first:
 * {@code Fallback ∘ Deadline ∘ Retry ∘ Hedge ∘ CircuitBreaker ∘ RateLimiter ∘ Timeout ∘ Bulkhead ∘ call}.
 * So a timeout counts as a breaker failure, every attempt (each hedged one too) is recorded by the breaker, the rate
 * limiter spends one permit per attempt, each hedged attempt has its own timeout and bulkhead permit, the retry
 * repeats a whole hedged round, and the deadline bounds all attempts and backoffs together. Every part is optional.
 *
 * <ul>
 *   <li><b>timeout</b>: each attempt must complete within it (a {@code Flux} attempt as a whole, not per item); on
 *       expiry the attempt is cancelled upstream and fails with {@link PolicyTimeoutException} (retryable).
 *   <li><b>deadline</b>: total budget from subscription. When it expires during an attempt, the attempt is cancelled
 *       (its breaker permit released, not recorded); when the next backoff would end past it, no retry is made. Either
 *       way the call fails with {@link DeadlineExceededException}.
 *   <li><b>retry</b>: {@link RetrySettings}; only {@link ErrorClass#RETRYABLE} errors are retried. When attempts run
 *       out the call fails with {@link RetriesExhaustedException} (cause: the last failure); a non-retryable error
 *       ends the call with that error itself.
 *   <li><b>hedge</b>: {@link HedgeSettings}, Polly v8's semantics; for a {@code Mono} only. When an attempt has not
 *       finished within the delay, another starts beside it, up to {@code maxHedgedAttempts} extra (a zero delay
 *       starts them all at once; a retryable failure starts the next at once). The first value, empty completion or
 *       non-retryable failure wins and the other attempts are cancelled: their permits are released and the breaker
 *       does not record them. When every attempt failed retryably, the round fails with the primary's (the first
 *       attempt's) failure, and that is what the retry, the fallback and a dead letter see. A hedge refused by the
 *       breaker, rate limiter or bulkhead is not started, nor is any after it in the round; the call goes on with the
 *       attempts running. A round counts as one attempt for the retry and in {@link Failure#attempts()}.
 *   <li><b>circuit breaker</b>: resilience4j, always with the {@code LOCK_FREE} sliding window. {@code IGNORED}
 *       errors (rejections included) release the permit without being recorded. An open breaker fails the call at
 *       once with resilience4j's {@code CallNotPermittedException}, without calling the source.
 *   <li><b>rate limiter</b> and <b>bulkhead</b>: resilience4j, never waiting (wait durations must be zero); refusals
 *       fail at once with {@code RequestNotPermitted} / {@code BulkheadFullException} and are not retried.
 *   <li><b>fallback</b>: for standalone use; runs when the call ends in an error before any item was emitted, and
 *       sees the last underlying error (never the {@code RetriesExhaustedException} wrapper) and the attempt count.
 * </ul>
 *
 * <h2>Flux</h2>
 *
 * A {@code Flux} attempt is retried, and the fallback used, only if it failed before emitting an item: once items
 * went downstream an error passes through as is, so nothing is emitted twice. The bulkhead permit is held until the
 * {@code Flux} terminates; the breaker records the whole stream as one call.
 *
 * <h2>Cancellation, time and threads</h2>
 *
 * Cancelling downstream cancels the attempt (every attempt of a hedged round) and any pending retry and releases
 * bulkhead and breaker permits without recording a failure. Timers (timeout, deadline, backoff, hedge delay) run on
 * the policy's {@link Scheduler}, each armed only once an attempt is still running after subscribe: by default one
 * shared hashed-wheel timer ({@value WheelScheduler#TICK_MILLIS} ms ticks) whose expirations run on
 * {@code Schedulers.parallel()}; pass a {@code VirtualTimeScheduler} in tests. The breaker's clock (wait in open,
 * slow calls, time-based windows) reads the same scheduler; the rate limiter's refresh follows the system clock
 * (resilience4j's {@code AtomicRateLimiter} accepts no clock). A policy is thread-safe and may guard any number of
 * calls at once; nothing on its path blocks.
 */
public final class ResiliencePolicy {

    /** Default timer: the shared hashed-wheel scheduler. */
    public static final Scheduler DEFAULT_SCHEDULER = WheelScheduler.shared();

    private final String name;
    private final PolicySpec spec;
    private final @Nullable CircuitBreaker circuitBreaker;
    private final @Nullable Bulkhead bulkhead;
    private final @Nullable RateLimiter rateLimiter;
    private final @Nullable Duration timeout;
    private final @Nullable Duration deadline;
    private final @Nullable RetrySettings retry;
    private final @Nullable HedgeSettings hedge;
    private final ErrorClassifier classifier;
    private final Scheduler scheduler;
    private final boolean hasFallback;
    private final PolicyEvents events = new PolicyEvents();
    final CircuitBreakerRegistry breakers;
    final BulkheadRegistry bulkheads;
    final RateLimiterRegistry rateLimiters;

    private ResiliencePolicy(Builder b) {
        this.breakers = b.breakers != null ? b.breakers : CircuitBreakerRegistry.ofDefaults();
        this.bulkheads = b.bulkheads != null ? b.bulkheads : BulkheadRegistry.ofDefaults();
        this.rateLimiters = b.rateLimiters != null ? b.rateLimiters : RateLimiterRegistry.ofDefaults();
        this.name = b.name;
        this.timeout = b.timeout;
        this.deadline = b.deadline;
        this.retry = b.retry;
        this.hedge = b.hedge;
        this.classifier = b.classifier;
        this.scheduler = b.scheduler;
        this.hasFallback = b.fallback != null;
        this.circuitBreaker = b.resolveBreaker(breakers);
        this.rateLimiter = b.rateLimiterConfig == null ? null : rateLimiters.rateLimiter(name, b.rateLimiterConfig);
        this.bulkhead = b.bulkheadConfig == null ? null : bulkheads.bulkhead(name, b.bulkheadConfig);
        this.spec = new PolicySpec(
                name,
                timeout,
                deadline,
                retry,
                hedge,
                circuitBreaker,
                rateLimiter,
                bulkhead,
                classifier,
                scheduler,
                b.fallback,
                events);
    }

    /**
     * Return a builder for a policy named {@code name} (used in errors, metrics tags and resilience4j names).
     *
     * @throws NullPointerException if {@code name} is null
     * @throws IllegalArgumentException if {@code name} is blank
     */
    public static Builder builder(String name) {
        return new Builder(name);
    }

    /**
     * Guard {@code mono}: each subscription runs attempts under this policy.
     *
     * @return a {@code Mono} that emits the source's value (or completes empty), or the fallback's value; or signals
     *     the errors listed in the class documentation. Never throws from {@code subscribe}.
     */
    public <T> Mono<T> apply(Mono<T> mono) {
        return PolicyOperators.mono(Objects.requireNonNull(mono, "mono"), spec);
    }

    /**
     * Guard {@code mono} with {@code fallback} for this call instead of the policy's own fallback (typed, so no cast
     * is needed; the bus uses it for each subscriber's fallback).
     *
     * @return as {@link #apply(Mono)}, with {@code fallback}'s value when the call fails
     */
    public <T> Mono<T> apply(Mono<T> mono, Function<Failure, ? extends Publisher<? extends T>> fallback) {
        return PolicyOperators.mono(
                Objects.requireNonNull(mono, "mono"), spec, Objects.requireNonNull(fallback, "fallback"));
    }

    /**
     * Guard {@code flux}: each subscription runs attempts under this policy (see "Flux" in the class documentation).
     *
     * @return a {@code Flux} of the source's items, or the fallback's; or the errors listed in the class
     *     documentation. Honours downstream demand across attempts. A hedging policy cannot guard a {@code Flux}
     *     (attempts running side by side would interleave their items): the returned {@code Flux} then signals
     *     {@link IllegalStateException} on subscription, without subscribing {@code flux}.
     */
    public <T> Flux<T> apply(Flux<T> flux) {
        Objects.requireNonNull(flux, "flux");
        if (hedge != null) {
            return Flux.error(new IllegalStateException("policy '" + name + "' hedges (" + hedge
                    + "), and hedging guards a Mono only: attempts side by side would interleave a Flux's items"));
        }
        return PolicyOperators.flux(flux, spec);
    }

    /** Return the policy's name. */
    public String name() {
        return name;
    }

    /** Return the timeout per attempt, or null for none. */
    public @Nullable Duration timeout() {
        return timeout;
    }

    /** Return the total deadline across attempts, or null for none. */
    public @Nullable Duration deadline() {
        return deadline;
    }

    /** Return the retry settings, or null when the policy does not retry. */
    public @Nullable RetrySettings retry() {
        return retry;
    }

    /**
     * Return the hedging settings, or null when the policy does not hedge. A caller that must not run one piece of
     * work twice at once (the bus, for a subscriber ordered by key) refuses a policy for which this is not null.
     */
    public @Nullable HedgeSettings hedge() {
        return hedge;
    }

    /** Return the circuit breaker, or null; its state says whether calls are let through now. */
    public @Nullable CircuitBreaker circuitBreaker() {
        return circuitBreaker;
    }

    /** Return the bulkhead, or null. */
    public @Nullable Bulkhead bulkhead() {
        return bulkhead;
    }

    /** Return the rate limiter, or null. */
    public @Nullable RateLimiter rateLimiter() {
        return rateLimiter;
    }

    /** Return the classifier deciding what is retried and recorded. */
    public ErrorClassifier classifier() {
        return classifier;
    }

    /** Return the scheduler running the policy's timers. */
    public Scheduler scheduler() {
        return scheduler;
    }

    /** Return whether the policy carries its own fallback. */
    public boolean hasFallback() {
        return hasFallback;
    }

    /**
     * Return the breaker's state changes as a hot, best-effort {@code Flux}: it never completes, never slows a call,
     * and drops (and counts, see {@link #droppedEvents()}) events for an observer more than 256 behind. Changes are
     * observed by this policy's own calls (checked after each breaker interaction, which costs a field read), so a
     * change made elsewhere (a shared breaker, a manual transition) appears with the next call, and states passed
     * through between two calls are not reported.
     */
    public Flux<PolicyEvent> events() {
        return events.flux();
    }

    /** Return how many policy events were dropped for slow observers. */
    public long droppedEvents() {
        return events.dropped();
    }

    PolicyCounters counters() {
        return spec.counters();
    }

    @Override
    public String toString() {
        return "ResiliencePolicy{" + name + ", timeout=" + timeout + ", deadline=" + deadline + ", retry=" + retry
                + ", hedge=" + hedge + ", circuitBreaker=" + (circuitBreaker != null) + ", rateLimiter="
                + (rateLimiter != null)
                + ", bulkhead=" + (bulkhead != null) + ", fallback=" + hasFallback + "}";
    }

    /** Builds a {@link ResiliencePolicy}; setters validate at once and name the bad value. Not thread-safe. */
    public static final class Builder {
        private final String name;
        private @Nullable Duration timeout;
        private @Nullable Duration deadline;
        private @Nullable RetrySettings retry;
        private @Nullable HedgeSettings hedge;
        private @Nullable CircuitBreakerConfig breakerConfig;
        private @Nullable CircuitBreaker breaker;
        private @Nullable BulkheadConfig bulkheadConfig;
        private @Nullable RateLimiterConfig rateLimiterConfig;
        private ErrorClassifier classifier = ErrorClassifier.standard();
        private Scheduler scheduler = DEFAULT_SCHEDULER;
        private @Nullable Function<Failure, ? extends Publisher<?>> fallback;
        private @Nullable CircuitBreakerRegistry breakers;
        private @Nullable BulkheadRegistry bulkheads;
        private @Nullable RateLimiterRegistry rateLimiters;

        private Builder(String name) {
            Objects.requireNonNull(name, "name");
            if (name.isBlank()) {
                throw new IllegalArgumentException("name must not be blank, but was '" + name + "'");
            }
            this.name = name;
        }

        /** Set the timeout of each attempt; {@code > 0}. */
        public Builder timeout(Duration timeout) {
            this.timeout = Durations.requirePositive("timeout", timeout);
            return this;
        }

        /** Set the total deadline across attempts and backoffs; {@code > 0}. */
        public Builder deadline(Duration deadline) {
            this.deadline = Durations.requirePositive("deadline", deadline);
            return this;
        }

        /** Retry with these settings. */
        public Builder retry(RetrySettings retry) {
            this.retry = Objects.requireNonNull(retry, "retry");
            return this;
        }

        /** Retry up to {@code maxAttempts} attempts (counting the first) with the default backoff. */
        public Builder retry(int maxAttempts) {
            return retry(RetrySettings.builder().maxAttempts(maxAttempts).build());
        }

        /**
         * Hedge with these settings: extra attempts beside a slow or retryably failed one, the first acceptable
         * outcome winning (see the class documentation). For a {@code Mono} only.
         */
        public Builder hedge(HedgeSettings hedge) {
            this.hedge = Objects.requireNonNull(hedge, "hedge");
            return this;
        }

        /**
         * Hedge with up to {@code maxHedgedAttempts} extra attempts (1 to 10), each started when the attempts before
         * it have run for {@code delay} ({@code >= 0}; zero starts them all at once).
         */
        public Builder hedge(int maxHedgedAttempts, Duration delay) {
            return hedge(HedgeSettings.builder()
                    .maxHedgedAttempts(maxHedgedAttempts)
                    .delay(delay)
                    .build());
        }

        /**
         * Add a resilience4j circuit breaker built from {@code config}, named after the policy. Its sliding window is
         * forced to {@code LOCK_FREE} and its clock to the policy's scheduler.
         */
        public Builder circuitBreaker(CircuitBreakerConfig config) {
            this.breakerConfig = Objects.requireNonNull(config, "config");
            this.breaker = null;
            return this;
        }

        /**
         * Share an existing resilience4j circuit breaker (its clock stays its own).
         *
         * @throws IllegalArgumentException if it uses the {@code SYNCHRONIZED} sliding window, which takes a lock per
         *     call
         */
        public Builder circuitBreaker(CircuitBreaker breaker) {
            this.breaker = Resilience4jConfigs.requireLockFree(breaker);
            this.breakerConfig = null;
            return this;
        }

        /** Allow at most {@code maxConcurrentCalls} attempts in flight at once; {@code >= 1}. */
        public Builder bulkhead(int maxConcurrentCalls) {
            return bulkhead(Resilience4jConfigs.bulkhead(maxConcurrentCalls));
        }

        /**
         * Add a resilience4j semaphore bulkhead.
         *
         * @throws IllegalArgumentException if its {@code maxWaitDuration} is not zero (waiting would block a thread)
         */
        public Builder bulkhead(BulkheadConfig config) {
            this.bulkheadConfig = Resilience4jConfigs.requireNoWait(config);
            return this;
        }

        /** Allow {@code limitForPeriod} attempts per {@code refreshPeriod}; both {@code > 0}. */
        public Builder rateLimiter(int limitForPeriod, Duration refreshPeriod) {
            return rateLimiter(Resilience4jConfigs.rateLimiter(limitForPeriod, refreshPeriod));
        }

        /**
         * Add a resilience4j rate limiter.
         *
         * @throws IllegalArgumentException if its {@code timeoutDuration} is not zero (waiting for a permit would
         *     defer subscription in a way that cannot be cancelled)
         */
        public Builder rateLimiter(RateLimiterConfig config) {
            this.rateLimiterConfig = Resilience4jConfigs.requireNoWait(config);
            return this;
        }

        /** Classify errors with {@code classifier} instead of {@link ErrorClassifier#standard()}. */
        public Builder classifier(ErrorClassifier classifier) {
            this.classifier = Objects.requireNonNull(classifier, "classifier");
            return this;
        }

        /** Run timers on {@code scheduler} (e.g. a {@code VirtualTimeScheduler}) instead of the shared wheel. */
        public Builder scheduler(Scheduler scheduler) {
            this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
            return this;
        }

        /**
         * Recover from the final failure with {@code fallback}'s publisher, whose values must be of the guarded
         * publisher's type. For standalone use: the bus rejects a policy that carries a fallback.
         */
        public Builder fallback(Function<Failure, ? extends Publisher<?>> fallback) {
            this.fallback = Objects.requireNonNull(fallback, "fallback");
            return this;
        }

        Builder registries(CircuitBreakerRegistry breakers, BulkheadRegistry bulkheads, RateLimiterRegistry limiters) {
            this.breakers = breakers;
            this.bulkheads = bulkheads;
            this.rateLimiters = limiters;
            return this;
        }

        /** Build the policy. */
        public ResiliencePolicy build() {
            return new ResiliencePolicy(this);
        }

        private @Nullable CircuitBreaker resolveBreaker(CircuitBreakerRegistry registry) {
            if (breaker != null) {
                return breaker;
            }
            if (breakerConfig == null) {
                return null;
            }
            return registry.circuitBreaker(name, Resilience4jConfigs.lockFreeOn(breakerConfig, scheduler));
        }
    }
}
