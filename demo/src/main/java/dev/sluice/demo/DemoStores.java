package dev.sluice.demo;

import dev.sluice.bus.redis.RedisDeadLetterStore;
import java.nio.file.Path;

/**
 * The one place where the demo builds its dead-letter store: {@link RedisDeadLetterStore} on the demo's Redis
 * (embedded, or {@code SLUICE_REDIS_URL}), journaling under the runtime's data directory while Redis is away.
 * Everything else sees only the {@code DeadLetterStore} SPI (and binds the store's meters, and closes it).
 */
final class DemoStores {

    private DemoStores() {}

    /**
     * Create the dead-letter store.
     *
     * @param redisUrl the Redis the demo uses (embedded or {@code SLUICE_REDIS_URL})
     * @param keyPrefix prefix of the store's Redis keys (tests pass their own, so runs never share keys)
     * @param dataDir a directory of this runtime's own for local files (the store's journal)
     */
    static RedisDeadLetterStore create(String redisUrl, String keyPrefix, Path dataDir) {
        return RedisDeadLetterStore.builder(redisUrl)
                .keyPrefix(keyPrefix)
                .journalPath(dataDir.resolve("dead-letters.journal"))
                .build();
    }

    /** Return the Redis stream key of {@code subscriber}'s parked letters (DESIGN.md "Dead letters in Redis"). */
    static String parkedStreamKey(String keyPrefix, String subscriber) {
        return keyPrefix + ":dlq:{" + subscriber + "}:parked";
    }
}
