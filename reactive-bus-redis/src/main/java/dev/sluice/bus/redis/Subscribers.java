package dev.sluice.bus.redis;

import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The subscribers a store has met by writing or replaying their letters: their keys, and the gauge {@code
 * sluice.dead.letters.stored} of each once a registry is bound, sampled with {@code XLEN}. Reading a subscriber's
 * letters does not make it known, so asking for arbitrary names creates no gauges. Thread-safe.
 */
final class Subscribers {

    private final String keyPrefix;
    private final ConcurrentMap<String, Subscriber> known = new ConcurrentHashMap<>();
    private final AtomicReference<@Nullable MeterRegistry> meters = new AtomicReference<>();

    Subscribers(String keyPrefix) {
        this.keyPrefix = keyPrefix;
    }

    /** Return the keys of {@code name}'s letters without making it known. */
    Keys keys(String name) {
        Subscriber subscriber = known.get(name);
        return subscriber != null ? subscriber.keys : Keys.of(keyPrefix, name);
    }

    /** Return the subscriber {@code name}, known from now on (with its gauge, if a registry is bound). */
    Subscriber meet(String name) {
        Subscriber subscriber = known.get(name);
        if (subscriber != null) {
            return subscriber;
        }
        Subscriber created = new Subscriber(name, Keys.of(keyPrefix, name));
        Subscriber raced = known.putIfAbsent(name, created);
        if (raced != null) {
            return raced;
        }
        MeterRegistry registry = meters.get();
        if (registry != null) {
            created.register(registry);
        }
        return created;
    }

    /** Register the gauge of every subscriber met so far and of those met later; false if already bound. */
    boolean bindTo(MeterRegistry registry) {
        if (!meters.compareAndSet(null, registry)) {
            return false;
        }
        known.values().forEach(subscriber -> subscriber.register(registry));
        return true;
    }

    /** Sample every known subscriber's letter count (live plus parked) for its gauge; nothing if none is bound. */
    Mono<Void> sample(RedisConnection redis) {
        if (meters.get() == null || known.isEmpty()) {
            return Mono.empty();
        }
        return redis.commands()
                .flatMapMany(commands -> Flux.fromIterable(known.values())
                        .concatMap(subscriber -> commands.xlen(subscriber.keys.live())
                                .zipWith(commands.xlen(subscriber.keys.parked()), Long::sum)
                                .doOnNext(subscriber.stored::set)))
                .then();
    }

    /** A subscriber the store has met: its keys, the keys of its write script, and its last sampled letter count. */
    static final class Subscriber {
        final String name;
        final Keys keys;
        final String[] writeKeys;
        final AtomicLong stored = new AtomicLong();

        Subscriber(String name, Keys keys) {
            this.name = name;
            this.keys = keys;
            this.writeKeys = new String[] {keys.live(), keys.ids(), keys.due(), keys.leases()};
        }

        void register(MeterRegistry registry) {
            RedisStoreMeters.STORED
                    .doc()
                    .gauge(stored, AtomicLong::get)
                    .tag("subscriber", name)
                    .strongReference(true)
                    .register(registry);
        }
    }
}
