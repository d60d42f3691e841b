package dev.sluice.policy;

import dev.sluice.policy.internal.PolicyCounters;
import io.github.resilience4j.micrometer.tagged.TaggedBulkheadMetrics;
import io.github.resilience4j.micrometer.tagged.TaggedCircuitBreakerMetrics;
import io.github.resilience4j.micrometer.tagged.TaggedRateLimiterMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;

/**
 * Micrometer binder for policies: the meters of {@link PolicyMeters} plus resilience4j's binders for their breakers,
 * bulkheads and rate limiters. Meters read the policies' own counters (function counters), so binding costs nothing
 * per call and a policy counts even before it is bound.
 *
 * <p>Bind a {@link PolicyRegistry} with {@link #of(PolicyRegistry)}: policies registered later are bound too. Keyed
 * policies ({@link PolicyRegistry#forKey}) are never bound, so no key becomes a tag.
 */
public final class PolicyMetrics implements MeterBinder {

    private final List<ResiliencePolicy> policies;
    private final @Nullable PolicyRegistry registry;

    private PolicyMetrics(List<ResiliencePolicy> policies, @Nullable PolicyRegistry registry) {
        this.policies = policies;
        this.registry = registry;
    }

    /** Return a binder for standalone {@code policies}. */
    public static PolicyMetrics of(ResiliencePolicy... policies) {
        return new PolicyMetrics(List.of(policies), null);
    }

    /** Return a binder for every policy of {@code registry}, now and later. */
    public static PolicyMetrics of(PolicyRegistry registry) {
        return new PolicyMetrics(List.of(), Objects.requireNonNull(registry, "registry"));
    }

    @Override
    public void bindTo(MeterRegistry meters) {
        for (ResiliencePolicy policy : policies) {
            bindPolicy(policy, meters);
            TaggedCircuitBreakerMetrics.ofCircuitBreakerRegistry(policy.breakers)
                    .bindTo(meters);
            TaggedBulkheadMetrics.ofBulkheadRegistry(policy.bulkheads).bindTo(meters);
            TaggedRateLimiterMetrics.ofRateLimiterRegistry(policy.rateLimiters).bindTo(meters);
        }
        if (registry != null) {
            registry.onRegistered(policy -> bindPolicy(policy, meters));
            TaggedCircuitBreakerMetrics.ofCircuitBreakerRegistry(registry.breakers())
                    .bindTo(meters);
            TaggedBulkheadMetrics.ofBulkheadRegistry(registry.bulkheads()).bindTo(meters);
            TaggedRateLimiterMetrics.ofRateLimiterRegistry(registry.rateLimiters())
                    .bindTo(meters);
        }
    }

    static void bindPolicy(ResiliencePolicy policy, MeterRegistry meters) {
        PolicyCounters counters = policy.counters();
        String name = policy.name();
        callCounter(meters, name, "success", counters.success);
        callCounter(meters, name, "recovered", counters.recovered);
        callCounter(meters, name, "failed", counters.failed);
        callCounter(meters, name, "rejected", counters.rejected);
        counter(meters, PolicyMeters.RETRIES, name, counters.retries);
        counter(meters, PolicyMeters.TIMEOUTS, name, counters.timeouts);
        counter(meters, PolicyMeters.HEDGES, name, counters.hedges);
        counter(meters, PolicyMeters.HEDGES_WON, name, counters.hedgesWon);
        PolicyMeters.EVENTS_DROPPED
                .doc()
                .counter(policy, ResiliencePolicy::droppedEvents)
                .tag("policy", name)
                .register(meters);
    }

    private static void callCounter(MeterRegistry meters, String policy, String outcome, LongAdder count) {
        PolicyMeters.CALLS
                .doc()
                .counter(count, LongAdder::sum)
                .tag("policy", policy)
                .tag("outcome", outcome)
                .register(meters);
    }

    private static void counter(MeterRegistry meters, PolicyMeters meter, String policy, LongAdder count) {
        meter.doc().counter(count, LongAdder::sum).tag("policy", policy).register(meters);
    }
}
