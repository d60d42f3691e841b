package dev.sluice.bus.redis;

import dev.sluice.bus.Durability;
import dev.sluice.bus.Event;
import dev.sluice.bus.EventType;
import dev.sluice.bus.spi.Undecodable;
import dev.sluice.testsupport.TestRedis;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.api.reactive.RedisClusterReactiveCommands;
import io.lettuce.core.codec.StringCodec;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * A test-scope {@link StreamContext} over the test Redis, so {@link StreamConsumer} is tested before (and without)
 * the transport: one shared command connection per context, a new plain connection per read connection, and a codec
 * reading only the {@code id}, {@code key}, {@code payload} and {@code published_at} fields of a {@code String}
 * payload (an entry without {@code payload} is undecodable).
 */
final class ConsumerTestContext implements StreamContext {

    /** Settings for tests: leases of 3 s renewed every 250 ms, expiry driven by stopping heartbeats. */
    static final Settings SETTINGS = new Settings(
            Duration.ofSeconds(3),
            Duration.ofMillis(250),
            Duration.ofMillis(500),
            Duration.ofMillis(100),
            1_000,
            Duration.ofMinutes(1));

    private final TestRedis redis;
    private final String instanceId;
    private final Settings settings;
    private final Mono<RedisClusterReactiveCommands<String, String>> commands;

    ConsumerTestContext(TestRedis redis, String instanceId) {
        this(redis, instanceId, SETTINGS);
    }

    ConsumerTestContext(TestRedis redis, String instanceId, Settings settings) {
        this.redis = redis;
        this.instanceId = instanceId;
        this.settings = settings;
        StatefulRedisConnection<String, String> connection = redis.connect();
        this.commands = Mono.just(connection.reactive());
    }

    /** Return the keys every context of {@code redis} gives {@code type}. */
    static StreamKeys keysOf(TestRedis redis, EventType<?> type) {
        Durability durability = Objects.requireNonNull(type.durability(), "durability");
        return new StreamKeys(redis.keyPrefix() + "sluice", type.name(), durability.partitions());
    }

    @Override
    public String instanceId() {
        return instanceId;
    }

    @Override
    public StreamKeys keys(EventType<?> type) {
        return keysOf(redis, type);
    }

    @Override
    public Mono<RedisClusterReactiveCommands<String, String>> commands() {
        return commands;
    }

    @Override
    public Mono<ReadConnection> openReadConnection() {
        return Mono.fromCompletionStage(() -> redis.client().connectAsync(StringCodec.UTF8, redis.uri()))
                .map(connection -> new ReadConnection() {
                    @Override
                    public RedisClusterReactiveCommands<String, String> commands() {
                        return connection.reactive();
                    }

                    @Override
                    public boolean cluster() {
                        return false;
                    }

                    @Override
                    public Mono<Void> close() {
                        return Mono.fromCompletionStage(connection.closeAsync());
                    }
                });
    }

    @Override
    public <T> Decoded<T> decode(EventType<T> type, int partition, StreamMessage<String, String> entry) {
        Map<String, String> body = entry.getBody();
        String id = body.getOrDefault("id", "unknown");
        String payload = body.get("payload");
        Instant publishedAt = Instant.parse(body.getOrDefault("published_at", "1970-01-01T00:00:00Z"));
        if (payload == null) {
            return new Decoded<>(
                    null,
                    new Undecodable(
                            id,
                            type.name(),
                            body.get("key"),
                            "",
                            Map.of(),
                            publishedAt,
                            new IllegalArgumentException("entry " + entry.getId() + " has no payload")));
        }
        return new Decoded<>(
                new Event<>(id, type, body.get("key"), type.payloadType().cast(payload), Map.of(), publishedAt), null);
    }

    @Override
    public Settings settings() {
        return settings;
    }

    @Override
    public Scheduler timers() {
        return Schedulers.parallel();
    }
}
