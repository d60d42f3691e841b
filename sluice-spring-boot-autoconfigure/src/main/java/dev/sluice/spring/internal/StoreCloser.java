package dev.sluice.spring.internal;

import dev.sluice.bus.DeadLetterStore;
import dev.sluice.bus.redis.RedisDeadLetterStore;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.springframework.util.ClassUtils;
import reactor.core.publisher.Mono;

/**
 * How the lifecycle closes the store after the bus: {@code closeGracefully()} for the Redis store (without blocking),
 * nothing for others. The Redis class is touched only when it is on the class path.
 */
public final class StoreCloser {

    private static final boolean REDIS =
            ClassUtils.isPresent("dev.sluice.bus.redis.RedisDeadLetterStore", StoreCloser.class.getClassLoader());

    private StoreCloser() {}

    /** Return what closes {@code store}, or null if it needs no closing. */
    public static @Nullable Supplier<Mono<Void>> of(DeadLetterStore store) {
        return REDIS ? Redis.of(store) : null;
    }

    /** Loaded only when the Redis store is present. */
    private static final class Redis {
        static @Nullable Supplier<Mono<Void>> of(DeadLetterStore store) {
            return store instanceof RedisDeadLetterStore redis ? redis::closeGracefully : null;
        }
    }
}
