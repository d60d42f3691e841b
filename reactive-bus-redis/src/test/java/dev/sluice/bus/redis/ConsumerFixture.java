package dev.sluice.bus.redis;

import dev.sluice.bus.Durability;
import dev.sluice.bus.EventType;
import dev.sluice.bus.StartPosition;
import dev.sluice.bus.spi.ConsumerSpec;
import dev.sluice.bus.spi.Received;
import dev.sluice.testsupport.TestRedis;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** What the consumer's integration tests share: a durable type, entries appended raw, bounded waits. */
final class ConsumerFixture {

    /** The bound of every wait in these tests. */
    static final Duration WAIT = Duration.ofSeconds(30);

    private final TestRedis redis;
    private final EventType<String> type;
    private final StreamKeys keys;
    private final RedisCommands<String, String> sync;
    private final List<StreamConsumer<String>> consumers = new ArrayList<>();

    ConsumerFixture(TestRedis redis, int partitions) {
        this.redis = redis;
        this.type = EventType.of("orders.placed", String.class).durable(new Durability(partitions, 1));
        this.keys = ConsumerTestContext.keysOf(redis, type);
        this.sync = redis.connect().sync();
    }

    EventType<String> type() {
        return type;
    }

    StreamKeys keys() {
        return keys;
    }

    RedisCommands<String, String> sync() {
        return sync;
    }

    /** Append an entry with {@code payload} to partition {@code p}; returns its id. */
    String append(int p, String payload) {
        return sync.xadd(
                keys.stream(p),
                Map.of(
                        "id",
                        payload,
                        "payload",
                        payload,
                        "published_at",
                        Instant.now().toString()));
    }

    /** Return a consumer of {@code subscriber} on instance {@code instance}, closed by {@link #close()}. */
    StreamConsumer<String> consumer(String instance, String subscriber, StartPosition start, Duration worstCase) {
        StreamConsumer<String> consumer = new StreamConsumer<>(
                new ConsumerTestContext(redis, instance), new ConsumerSpec<>(subscriber, type, start, worstCase));
        consumers.add(consumer);
        return consumer;
    }

    /**
     * Read with {@code room} until at least {@code count} entries came, keeping every batch whole; fails if one read
     * returned more than {@code room}.
     */
    static List<Received<String>> readAtLeast(StreamConsumer<String> consumer, int room, int count) {
        AtomicInteger total = new AtomicInteger();
        return Flux.defer(() -> consumer.read(room))
                .repeat()
                .doOnNext(batch -> {
                    if (batch.size() > room) {
                        throw new AssertionError("read(" + room + ") returned " + batch.size() + " entries");
                    }
                })
                .takeUntil(batch -> total.addAndGet(batch.size()) >= count)
                .flatMapIterable(batch -> batch)
                .collectList()
                .block(WAIT);
    }

    /** Run heartbeats of {@code consumers} until {@code done} holds (bounded by {@link #WAIT}). */
    @SafeVarargs
    static void heartbeatUntil(BooleanSupplier done, StreamConsumer<String>... consumers) {
        Flux.interval(Duration.ofMillis(50))
                .onBackpressureDrop()
                .concatMap(i -> Flux.fromArray(consumers)
                        .concatMap(StreamConsumer::heartbeatNow)
                        .then(Mono.fromSupplier(done::getAsBoolean)))
                .filter(Boolean::booleanValue)
                .next()
                .block(WAIT);
    }

    /** Close every consumer this fixture made that is still open. */
    void close() {
        Flux.fromIterable(consumers).concatMap(StreamConsumer::close).then().block(WAIT);
    }
}
