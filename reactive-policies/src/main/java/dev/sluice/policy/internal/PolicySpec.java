package dev.sluice.policy.internal;

import dev.sluice.policy.ErrorClassifier;
import dev.sluice.policy.Failure;
import dev.sluice.policy.HedgeSettings;
import dev.sluice.policy.PolicyEvent;
import dev.sluice.policy.RetrySettings;
import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.ratelimiter.RateLimiter;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.scheduler.Scheduler;

/** Everything the policy operator needs, resolved once when the policy is built. Immutable. */
public final class PolicySpec {

    final String name;
    final @Nullable Duration timeout;
    final long timeoutNanos;
    final @Nullable Duration deadline;
    final long deadlineNanos;
    final @Nullable RetrySettings retry;
    final int maxAttempts;
    final @Nullable HedgeSettings hedge;
    final int hedgeTotal; // the primary and every hedge; 0 without hedging, so the hot path tests one int
    final long hedgeDelayNanos;
    final @Nullable CircuitBreaker breaker;
    final @Nullable RateLimiter rateLimiter;
    final @Nullable Bulkhead bulkhead;
    final ErrorClassifier classifier;
    final Scheduler scheduler;
    final @Nullable Function<Failure, ? extends Publisher<?>> fallback;
    final PolicyCounters counters = new PolicyCounters();
    private final PolicyEvents events;
    private final SchedulerClock clock;

    private static final AtomicReferenceFieldUpdater<PolicySpec, CircuitBreaker.State> OBSERVED =
            AtomicReferenceFieldUpdater.newUpdater(PolicySpec.class, CircuitBreaker.State.class, "observed");

    private volatile CircuitBreaker.@Nullable State observed;

    /** Resolve a spec; arguments were validated by the policy's builder. */
    public PolicySpec(
            String name,
            @Nullable Duration timeout,
            @Nullable Duration deadline,
            @Nullable RetrySettings retry,
            @Nullable HedgeSettings hedge,
            @Nullable CircuitBreaker breaker,
            @Nullable RateLimiter rateLimiter,
            @Nullable Bulkhead bulkhead,
            ErrorClassifier classifier,
            Scheduler scheduler,
            @Nullable Function<Failure, ? extends Publisher<?>> fallback,
            PolicyEvents events) {
        this.name = name;
        this.timeout = timeout;
        this.timeoutNanos = timeout == null ? 0 : timeout.toNanos();
        this.deadline = deadline;
        this.deadlineNanos = deadline == null ? 0 : deadline.toNanos();
        this.retry = retry;
        this.maxAttempts = retry == null ? 1 : retry.maxAttempts();
        this.hedge = hedge;
        this.hedgeTotal = hedge == null ? 0 : hedge.maxHedgedAttempts() + 1;
        this.hedgeDelayNanos = hedge == null ? 0 : saturatedNanos(hedge.delay());
        this.breaker = breaker;
        this.rateLimiter = rateLimiter;
        this.bulkhead = bulkhead;
        this.classifier = classifier;
        this.scheduler = scheduler;
        this.fallback = fallback;
        this.events = events;
        this.clock = new SchedulerClock(scheduler);
        this.observed = breaker == null ? null : breaker.getState();
    }

    /**
     * Publish a {@link PolicyEvent} if the breaker's state differs from the last one observed. Called after each
     * breaker interaction: polling costs a field read per call, whereas subscribing to resilience4j's state
     * transitions would make the breaker build an event object (with a {@code ZonedDateTime}) for every call.
     */
    void observeBreaker(CircuitBreaker breaker) {
        CircuitBreaker.State now = breaker.getState();
        CircuitBreaker.State last = observed;
        if (now != last && last != null && OBSERVED.compareAndSet(this, last, now)) {
            events.emit(new PolicyEvent(name, last, now, clock.instant()));
        }
    }

    private static long saturatedNanos(Duration duration) {
        try {
            return duration.toNanos();
        } catch (ArithmeticException tooLong) {
            return Long.MAX_VALUE; // some 292 years: never
        }
    }

    /** Return the policy's outcome counters. */
    public PolicyCounters counters() {
        return counters;
    }
}
