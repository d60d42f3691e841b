package dev.sluice.bus.redis;

import dev.sluice.bus.Durability;
import dev.sluice.bus.EventType;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.cluster.api.reactive.RedisClusterReactiveCommands;
import java.util.Map;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * The {@link StreamContext} of one {@link RedisStreamTransport}: what its consumers share with it. A class of its own,
 * package-private, so that none of these methods is part of the transport's public API. Thread-safe.
 */
final class TransportContext implements StreamContext {

    private final String instanceId;
    private final String keyPrefix;
    private final Map<String, DeclaredType> declared;
    private final TransportConnection redis;
    private final EntryCodec codec;
    private final Settings settings;
    private final Scheduler timers;

    TransportContext(
            String instanceId,
            String keyPrefix,
            Map<String, DeclaredType> declared,
            TransportConnection redis,
            EntryCodec codec,
            Settings settings,
            Scheduler timers) {
        this.instanceId = instanceId;
        this.keyPrefix = keyPrefix;
        this.declared = declared;
        this.redis = redis;
        this.codec = codec;
        this.settings = settings;
        this.timers = timers;
    }

    @Override
    public String instanceId() {
        return instanceId;
    }

    /**
     * {@inheritDoc} A type not declared yet gets the keys its {@link Durability} lays out (the same ones declare
     * would check).
     *
     * @throws IllegalArgumentException if {@code type} is not durable
     */
    @Override
    public StreamKeys keys(EventType<?> type) {
        DeclaredType known = declared.get(type.name());
        if (known != null) {
            return known.keys;
        }
        return keysOf(keyPrefix, type);
    }

    @Override
    public Mono<RedisClusterReactiveCommands<String, String>> commands() {
        return redis.commands();
    }

    @Override
    public Mono<ReadConnection> openReadConnection() {
        return redis.openRead();
    }

    @Override
    public <T> Decoded<T> decode(EventType<T> type, int partition, StreamMessage<String, String> entry) {
        Map<String, String> body = entry.getBody();
        return codec.decode(type, body == null ? Map.of() : body);
    }

    @Override
    public Settings settings() {
        return settings;
    }

    @Override
    public Scheduler timers() {
        return timers;
    }

    /** Return the keys {@code type}'s durability lays out under {@code prefix}. */
    static StreamKeys keysOf(String prefix, EventType<?> type) {
        Durability durability = type.durability();
        if (durability == null) {
            throw new IllegalArgumentException("event type '" + type.name() + "' is not durable");
        }
        return new StreamKeys(prefix, type.name(), durability.partitions());
    }
}
