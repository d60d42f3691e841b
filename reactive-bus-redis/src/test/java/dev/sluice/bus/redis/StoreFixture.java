package dev.sluice.bus.redis;

import dev.sluice.testsupport.TestRedis;
import io.lettuce.core.RedisURI;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

/** Shared Lettuce resources (fast reconnects) and store builders for the integration tests. */
final class StoreFixture {

    /** Reconnect every 50 ms, so a restored proxy is noticed quickly (Lettuce's default backs off to 30 s). */
    static final ClientResources RESOURCES = ClientResources.builder()
            .reconnectDelay(Delay.constant(Duration.ofMillis(50)))
            .build();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> RESOURCES.shutdown(0, 2, TimeUnit.SECONDS)));
    }

    private StoreFixture() {}

    static RedisDeadLetterStore.Builder builder(TestRedis redis, RedisURI uri, Path journalDir) {
        return RedisDeadLetterStore.builder(RESOURCES, uri)
                .keyPrefix(redis.keyPrefix() + "sluice")
                .journalPath(journalDir.resolve("dead-letters.journal"))
                // generous: these machines are shared and noisy (an XRANGE of FaultMatrix's inspection once got no
                // reply within 3 s at a load of 20 on 2 cores, no GC pause near it); outage tests set their own
                .commandTimeout(Duration.ofSeconds(10))
                .replayInterval(Duration.ofMillis(100));
    }

    static RedisDeadLetterStore store(TestRedis redis, Path journalDir) {
        return builder(redis, redis.uri(), journalDir).build();
    }

    /** Wait, polling every 20 ms, until {@code condition} holds; fail after {@code max}. No sleeping thread. */
    static void awaitTrue(String what, BooleanSupplier condition, Duration max) {
        StepVerifier.create(Flux.interval(Duration.ZERO, Duration.ofMillis(20))
                        .filter(tick -> condition.getAsBoolean())
                        .next())
                .as(what)
                .expectNextCount(1)
                .expectComplete()
                .verify(max);
    }
}
