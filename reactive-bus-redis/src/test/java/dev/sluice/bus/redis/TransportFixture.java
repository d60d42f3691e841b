package dev.sluice.bus.redis;

import dev.sluice.bus.Durability;
import dev.sluice.bus.Event;
import dev.sluice.bus.EventType;
import dev.sluice.testsupport.TestRedis;
import io.lettuce.core.RedisURI;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import reactor.test.StepVerifier;

/** Durable types, events and transport builders for the transport's integration tests. */
final class TransportFixture {

    static final Duration WAIT = Duration.ofSeconds(30);

    record Placed(String order, int seq, Instant at) {}

    private static final AtomicLong IDS = new AtomicLong();

    private TransportFixture() {}

    static EventType<Placed> type(String name, int partitions) {
        return EventType.of(name, Placed.class).durable(new Durability(partitions, 1));
    }

    /** A builder on the tests' fast-reconnecting resources, under the test's key prefix, to {@code uri}. */
    static RedisStreamTransport.Builder builder(TestRedis redis, RedisURI uri) {
        return RedisStreamTransport.builder(StoreFixture.RESOURCES, uri)
                .keyPrefix(redis.keyPrefix() + "sluice")
                // generous: these machines are shared and noisy; outage tests set their own
                .commandTimeout(Duration.ofSeconds(3));
    }

    static RedisStreamTransport declared(RedisStreamTransport.Builder builder, EventType<?>... types) {
        RedisStreamTransport transport = builder.build();
        for (EventType<?> type : types) {
            StepVerifier.create(transport.declare(type)).expectComplete().verify(WAIT);
        }
        return transport;
    }

    static Event<Placed> event(EventType<Placed> type, String key, int seq) {
        String id = "evt-" + IDS.incrementAndGet();
        return new Event<>(
                id,
                type,
                key,
                new Placed("o-" + seq, seq, Instant.parse("2026-03-01T12:00:00.5Z")),
                Map.of("correlation-id", "c-" + seq),
                Instant.parse("2026-03-01T12:00:01Z"));
    }

    static void close(RedisStreamTransport transport) {
        StepVerifier.create(transport.close()).expectComplete().verify(WAIT);
    }
}
