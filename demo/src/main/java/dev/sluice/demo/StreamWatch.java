package dev.sluice.demo;

import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.api.reactive.RedisReactiveCommands;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The event ids that reached {@code order.placed}'s partition streams, read with plain {@code XRANGE} every 250 ms
 * (each stream from the last entry seen), so an entry is seen before retention trims it (every 10 s, and only once
 * every group acknowledged it). Evidence, apart from the publisher's {@code 202}, that an order is in Redis: with the
 * audit quiet (nothing pending or undelivered) every entry seen was acknowledged by every group, which the transport
 * does only after the entry's final outcome. Never blocks; thread-safe.
 */
final class StreamWatch {

    private static final Logger log = LoggerFactory.getLogger(StreamWatch.class);
    private static final Duration POLL = Duration.ofMillis(250);
    private static final int COUNT = 1000;

    private final RedisReactiveCommands<String, String> redis;
    private final String keyPrefix;
    private final int partitions;
    private final AtomicReferenceArray<String> from;
    private final Set<String> appended = ConcurrentHashMap.newKeySet();

    /** Watch the streams of {@code order.placed} under {@code keyPrefix} on {@code redis}. */
    StreamWatch(RedisReactiveCommands<String, String> redis, String keyPrefix) {
        this.redis = redis;
        this.keyPrefix = keyPrefix;
        this.partitions =
                Objects.requireNonNull(Order.PLACED_DURABLE.durability()).partitions();
        this.from = new AtomicReferenceArray<>(partitions);
        for (int p = 0; p < partitions; p++) {
            from.set(p, "-");
        }
    }

    /** Start reading every 250 ms on Reactor's parallel scheduler; a failed read is logged and tried again. */
    Disposable start() {
        return Flux.interval(Duration.ZERO, POLL)
                .onBackpressureDrop()
                .concatMap(
                        tick -> read().onErrorResume(e -> {
                            log.warn("Could not read the order.placed streams; trying again", e);
                            return Mono.empty();
                        }),
                        1)
                .subscribe();
    }

    /**
     * Read every partition stream up to its end now.
     *
     * @return a {@code Mono} that completes once read; or Lettuce's error
     */
    Mono<Void> read() {
        return Flux.range(0, partitions).concatMap(this::read).then();
    }

    /** Return whether an entry of event {@code eventId} was seen in a stream. */
    boolean appended(String eventId) {
        return appended.contains(eventId);
    }

    private Mono<Void> read(int partition) {
        String key = keyPrefix + ":ev:{" + Order.PLACED_DURABLE.name() + ":" + partition + "}";
        // from the last entry seen, inclusive: it is read again and changes nothing (a set)
        return redis.xrange(key, Range.create(from.get(partition), "+"), Limit.from(COUNT))
                .doOnNext(entry -> see(partition, entry))
                .count()
                .flatMap(n -> n >= COUNT ? read(partition) : Mono.empty());
    }

    private void see(int partition, StreamMessage<String, String> entry) {
        String id = entry.getBody().get("id");
        if (id != null) {
            appended.add(id);
        }
        from.set(partition, entry.getId());
    }
}
