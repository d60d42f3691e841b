package dev.sluice.demo;

import dev.sluice.bus.DeadLetterStore;
import dev.sluice.bus.InMemoryDeadLetterStore;
import java.nio.file.Path;

/**
 * THE one place where the demo chooses its dead-letter store. Everything else sees only the {@link DeadLetterStore}
 * SPI (and binds the store's meters if it is a {@code MeterBinder}, closes it if it is {@code AutoCloseable}).
 *
 * <p>WIRING POINT (issue 5): the Redis store {@code dev.sluice.bus.redis.RedisDeadLetterStore} is not on main yet, so
 * today this returns the bounded {@link InMemoryDeadLetterStore} and Redis is used for {@code /health} only. When it
 * lands, replace the body of {@link #create} with
 *
 * <pre>{@code
 * return RedisDeadLetterStore.builder(redisUrl)
 *         .keyPrefix(keyPrefix)
 *         .journalPath(dataDir.resolve("dead-letters.journal"))
 *         .build();
 * }</pre>
 *
 * and set {@link #REDIS_BACKED} to {@code true}: the scenario integration test then also checks that the parked
 * letters are in the Redis stream {@link #parkedStreamKey}, and the README's "real Redis" section becomes fully true.
 */
final class DemoStores {

    /** Whether {@link #create} returns the Redis store (flip with the wiring above). */
    static final boolean REDIS_BACKED = false;

    /** Capacity of the interim in-memory store; it refuses beyond this, which the bus turns into backpressure. */
    static final int IN_MEMORY_CAPACITY = 500_000;

    private DemoStores() {}

    /**
     * Create the dead-letter store.
     *
     * @param redisUrl the Redis the demo uses (embedded or {@code SLUICE_REDIS_URL})
     * @param keyPrefix prefix of the store's Redis keys (tests pass their own, so runs never share keys)
     * @param dataDir a directory of this runtime's own for local files (the Redis store's journal)
     */
    static DeadLetterStore create(String redisUrl, String keyPrefix, Path dataDir) {
        // WIRING POINT (issue 5):
        // return RedisDeadLetterStore.builder(redisUrl).keyPrefix(keyPrefix)
        //         .journalPath(dataDir.resolve("dead-letters.journal")).build();
        return InMemoryDeadLetterStore.create(IN_MEMORY_CAPACITY);
    }

    /** Return the Redis stream key of {@code subscriber}'s parked letters (DESIGN.md "Dead letters in Redis"). */
    static String parkedStreamKey(String keyPrefix, String subscriber) {
        return keyPrefix + ":dlq:{" + subscriber + "}:parked";
    }
}
