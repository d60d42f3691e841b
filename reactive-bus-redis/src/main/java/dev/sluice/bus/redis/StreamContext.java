package dev.sluice.bus.redis;

import dev.sluice.bus.Event;
import dev.sluice.bus.EventType;
import dev.sluice.bus.spi.Undecodable;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.cluster.api.reactive.RedisClusterReactiveCommands;
import java.time.Duration;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * What a Redis Streams transport shares with its consumers: the instance, the keys and codec of each durable type,
 * its connections, its settings and timers. Implemented by {@link RedisStreamTransport}; one per transport.
 * Thread-safe; nothing here blocks.
 */
interface StreamContext {

    /** Return this instance's id: the consumer name in every group, unique among live instances. */
    String instanceId();

    /** Return the keys of the declared durable {@code type}. */
    StreamKeys keys(EventType<?> type);

    /**
     * Return the transport's shared connection for commands and scripts (never for blocking reads): one Redis or a
     * Cluster, opened on first use.
     */
    Mono<RedisClusterReactiveCommands<String, String>> commands();

    /**
     * Open a new connection dedicated to one consumer's blocking reads: {@code REJECT_COMMANDS} while disconnected, a
     * bounded request queue, a command timeout longer than {@link Settings#block()}.
     */
    Mono<ReadConnection> openReadConnection();

    /** Decode one entry of {@code type}'s partition {@code partition}; never throws. */
    <T> Decoded<T> decode(EventType<T> type, int partition, StreamMessage<String, String> entry);

    /** Return the transport's settings. */
    Settings settings();

    /** Return the scheduler of the transport's timers (heartbeats, retries, retention). */
    Scheduler timers();

    /** A connection of one consumer's own, for its blocking reads. */
    interface ReadConnection {
        /** Return its commands (one Redis or a Cluster). */
        RedisClusterReactiveCommands<String, String> commands();

        /** Return whether it is a Cluster connection (streams in different slots cannot be read in one command). */
        boolean cluster();

        /** Close it. */
        Mono<Void> close();
    }

    /**
     * One decoded entry: the event, or what could be read of it.
     *
     * @param event the event, or null if decoding failed
     * @param undecodable what could be read, or null if it decoded
     * @param <T> the payload type
     */
    record Decoded<T>(@Nullable Event<T> event, @Nullable Undecodable undecodable) {}

    /**
     * The settings a consumer reads (defaults in {@link RedisStreamTransport}).
     *
     * @param leaseTtl how long a partition lease lives without renewal
     * @param heartbeat how often leases and the group membership are renewed (well under {@code leaseTtl})
     * @param safetyMargin how long before its local expiry a lease counts as lost for starting handlers
     * @param block the {@code BLOCK} time of one read
     * @param maxLag health turns {@code DEGRADED} while a group's undelivered entries pass this
     * @param maxPendingAge health turns {@code DEGRADED} while a group's oldest pending entry is older
     */
    record Settings(
            Duration leaseTtl,
            Duration heartbeat,
            Duration safetyMargin,
            Duration block,
            long maxLag,
            Duration maxPendingAge) {}
}
