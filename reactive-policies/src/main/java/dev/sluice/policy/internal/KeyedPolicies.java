package dev.sluice.policy.internal;

import dev.sluice.policy.ResiliencePolicy;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import reactor.core.scheduler.Scheduler;

/**
 * Policies per key, bounded: least recently used evicted beyond {@code maxKeys}, idle ones after {@code idleTimeout}.
 * Lock-free lookups; eviction scans run only when a new key is added, so a hit costs a map read and a timestamp write.
 */
public final class KeyedPolicies {

    private final int maxKeys;
    private final long idleNanos;
    private final Scheduler clock;
    private final Function<String, ResiliencePolicy> factory;
    private final Map<String, Slot> slots = new ConcurrentHashMap<>();

    /** Create an empty set of keyed policies built by {@code factory}. */
    public KeyedPolicies(
            int maxKeys, Duration idleTimeout, Scheduler clock, Function<String, ResiliencePolicy> factory) {
        this.maxKeys = maxKeys;
        this.idleNanos = idleTimeout.toNanos();
        this.clock = clock;
        this.factory = factory;
    }

    /** Return the policy for {@code key}, creating it (and evicting others) if needed. */
    public ResiliencePolicy get(String key) {
        long now = clock.now(TimeUnit.NANOSECONDS);
        Slot slot = slots.get(key);
        if (slot != null) {
            slot.lastUsed = now;
            return slot.policy;
        }
        slot = slots.computeIfAbsent(key, k -> new Slot(factory.apply(k), now));
        evict(now);
        return slot.policy;
    }

    /** Return how many keys are held. */
    public int size() {
        return slots.size();
    }

    private void evict(long now) {
        slots.values().removeIf(slot -> now - slot.lastUsed > idleNanos);
        while (slots.size() > maxKeys) {
            String oldest = null;
            long oldestUse = Long.MAX_VALUE;
            for (Map.Entry<String, Slot> e : slots.entrySet()) {
                if (e.getValue().lastUsed < oldestUse) {
                    oldestUse = e.getValue().lastUsed;
                    oldest = e.getKey();
                }
            }
            if (oldest == null) {
                return;
            }
            slots.remove(oldest);
        }
    }

    private static final class Slot {
        final ResiliencePolicy policy;
        volatile long lastUsed;

        Slot(ResiliencePolicy policy, long lastUsed) {
            this.policy = policy;
            this.lastUsed = lastUsed;
        }
    }
}
