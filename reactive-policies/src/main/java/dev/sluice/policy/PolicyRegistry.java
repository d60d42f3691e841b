package dev.sluice.policy;

import dev.sluice.policy.internal.KeyedPolicies;
import io.github.resilience4j.bulkhead.BulkheadRegistry;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.ratelimiter.RateLimiterRegistry;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import reactor.core.scheduler.Scheduler;

/**
 * Policies by name, with their resilience4j parts in shared registries: two policies registered under the same name
 * cannot exist, and breakers, bulkheads and rate limiters are named after their policy, so metrics and dashboards see
 * one breaker per name.
 *
 * <p>{@link #forKey(String, String)} gives each key (a remote host, say) its own policy with the same configuration
 * and its own breaker, so one failing host does not open the breaker for all. Keyed policies are bounded: at most
 * {@code maxKeysPerPolicy} per policy (default {@value #DEFAULT_MAX_KEYS_PER_POLICY}, least recently used evicted
 * first) and evicted after {@code keyIdleTimeout} unused (default 10 min); their parts are never registered, so a key
 * never becomes a metric tag.
 *
 * <p>Thread-safe.
 */
public final class PolicyRegistry {

    /** Default bound on keyed policies per policy name. */
    public static final int DEFAULT_MAX_KEYS_PER_POLICY = 1024;
    /** Default idle time after which a keyed policy is evicted. */
    public static final Duration DEFAULT_KEY_IDLE_TIMEOUT = Duration.ofMinutes(10);

    private final Scheduler scheduler;
    private final CircuitBreakerRegistry breakers = CircuitBreakerRegistry.ofDefaults();
    private final BulkheadRegistry bulkheads = BulkheadRegistry.ofDefaults();
    private final RateLimiterRegistry rateLimiters = RateLimiterRegistry.ofDefaults();
    private final ConcurrentMap<String, Entry> policies = new ConcurrentHashMap<>();
    private final List<Consumer<ResiliencePolicy>> listeners = new CopyOnWriteArrayList<>();
    private final int maxKeysPerPolicy;
    private final Duration keyIdleTimeout;

    private PolicyRegistry(Scheduler scheduler, int maxKeysPerPolicy, Duration keyIdleTimeout) {
        this.scheduler = scheduler;
        this.maxKeysPerPolicy = maxKeysPerPolicy;
        this.keyIdleTimeout = keyIdleTimeout;
    }

    /** Create a registry whose policies time with {@link ResiliencePolicy#DEFAULT_SCHEDULER} and default key bounds. */
    public static PolicyRegistry create() {
        return create(ResiliencePolicy.DEFAULT_SCHEDULER, DEFAULT_MAX_KEYS_PER_POLICY, DEFAULT_KEY_IDLE_TIMEOUT);
    }

    /**
     * Create a registry.
     *
     * @param scheduler timers and clock of every policy in it (a {@code VirtualTimeScheduler} in tests)
     * @param maxKeysPerPolicy bound on keyed policies per name, {@code >= 1}
     * @param keyIdleTimeout idle time after which a keyed policy is evicted, {@code > 0}
     */
    public static PolicyRegistry create(Scheduler scheduler, int maxKeysPerPolicy, Duration keyIdleTimeout) {
        Objects.requireNonNull(scheduler, "scheduler");
        Objects.requireNonNull(keyIdleTimeout, "keyIdleTimeout");
        if (maxKeysPerPolicy < 1) {
            throw new IllegalArgumentException("maxKeysPerPolicy must be >= 1, but was " + maxKeysPerPolicy);
        }
        Durations.requirePositive("keyIdleTimeout", keyIdleTimeout);
        return new PolicyRegistry(scheduler, maxKeysPerPolicy, keyIdleTimeout);
    }

    /**
     * Build and register the policy {@code name}, configured by {@code configure} (which must not set a scheduler
     * other than the registry's).
     *
     * @return the registered policy
     * @throws IllegalStateException if a policy named {@code name} is registered already
     */
    public ResiliencePolicy register(String name, UnaryOperator<ResiliencePolicy.Builder> configure) {
        Objects.requireNonNull(configure, "configure");
        ResiliencePolicy policy = configure
                .apply(ResiliencePolicy.builder(name).scheduler(scheduler))
                .registries(breakers, bulkheads, rateLimiters)
                .build();
        Entry entry = new Entry(policy, new KeyedPolicies(maxKeysPerPolicy, keyIdleTimeout, scheduler, key -> configure
                .apply(ResiliencePolicy.builder(name).scheduler(scheduler))
                .build()));
        if (policies.putIfAbsent(name, entry) != null) {
            throw new IllegalStateException("a policy named '" + name + "' is registered already");
        }
        listeners.forEach(listener -> listener.accept(policy));
        return policy;
    }

    /** Return the policy named {@code name}, if registered. */
    public Optional<ResiliencePolicy> find(String name) {
        Entry entry = policies.get(Objects.requireNonNull(name, "name"));
        return entry == null ? Optional.empty() : Optional.of(entry.policy);
    }

    /**
     * Return the policy named {@code name}.
     *
     * @throws NoSuchElementException if none is registered under that name
     */
    public ResiliencePolicy get(String name) {
        return find(name)
                .orElseThrow(() ->
                        new NoSuchElementException("no policy named '" + name + "'; registered: " + policies.keySet()));
    }

    /**
     * Return the policy for {@code key} under policy {@code name}: same configuration, its own breaker, bulkhead and
     * rate limiter. Created on first use; see the class documentation for bounds and eviction.
     *
     * @throws NoSuchElementException if no policy named {@code name} is registered
     */
    public ResiliencePolicy forKey(String name, String key) {
        Objects.requireNonNull(key, "key");
        Entry entry = policies.get(Objects.requireNonNull(name, "name"));
        if (entry == null) {
            throw new NoSuchElementException("no policy named '" + name + "'; registered: " + policies.keySet());
        }
        return entry.keyed.get(key);
    }

    /** Return the number of keyed policies currently held for {@code name} (0 if none or unknown). */
    public int keyCount(String name) {
        Entry entry = policies.get(name);
        return entry == null ? 0 : entry.keyed.size();
    }

    /** Return every registered policy (keyed ones excluded). */
    public Collection<ResiliencePolicy> policies() {
        return List.copyOf(policies.values().stream().map(e -> e.policy).toList());
    }

    /** Return the scheduler of the registry's policies. */
    public Scheduler scheduler() {
        return scheduler;
    }

    /** Call {@code listener} with every policy registered so far and every one registered later. */
    void onRegistered(Consumer<ResiliencePolicy> listener) {
        listeners.add(listener);
        policies.values().forEach(entry -> listener.accept(entry.policy));
    }

    CircuitBreakerRegistry breakers() {
        return breakers;
    }

    BulkheadRegistry bulkheads() {
        return bulkheads;
    }

    RateLimiterRegistry rateLimiters() {
        return rateLimiters;
    }

    private record Entry(ResiliencePolicy policy, KeyedPolicies keyed) {}
}
