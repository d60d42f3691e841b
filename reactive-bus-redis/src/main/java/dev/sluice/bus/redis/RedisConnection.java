package dev.sluice.bus.redis;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.protocol.ConnectionIntent;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The store's own Redis connection, to a standalone (or Sentinel-managed) Redis or to a Redis Cluster: opened lazily on
 * first use, kept for good once open (Lettuce reconnects it, and in a Cluster follows the topology), tried again on the
 * next use after a failed connect. Closing it also shuts down the client and client resources if the store created
 * them. Thread-safe; nothing blocks.
 */
final class RedisConnection {

    private static final Logger log = LoggerFactory.getLogger(RedisConnection.class);

    private final String target;
    private final Mono<Void> release;
    private final Mono<StoreCommands> commands;
    private final AtomicReference<@Nullable StatefulConnection<String, String>> connection = new AtomicReference<>();
    private volatile @Nullable StoreCommands ready;
    private volatile boolean closed;

    private RedisConnection(String target, Mono<Opened> connect, Mono<Void> release) {
        this.target = target;
        this.release = release;
        this.commands = connect.doOnNext(this::opened)
                .map(Opened::commands)
                .cache(c -> Duration.ofMillis(Long.MAX_VALUE), e -> Duration.ZERO, () -> Duration.ZERO);
    }

    /**
     * Return a connection to the Redis at {@code uri} (standalone or Sentinel) opened with {@code client}; closing it
     * then subscribes to {@code release}, which shuts down what the store owns (nothing, for an application's client).
     */
    static RedisConnection standalone(RedisClient client, RedisURI uri, Mono<Void> release) {
        return new RedisConnection(
                uri.getHost() + ":" + uri.getPort(),
                Mono.defer(() -> Mono.fromCompletionStage(client.connectAsync(StringCodec.UTF8, uri)))
                        .map(opened -> new Opened(opened, new StoreCommands(opened.reactive()))),
                release);
    }

    /**
     * Return a connection to the Redis Cluster {@code client} knows, {@code target} naming it in messages; closing it
     * then subscribes to {@code release}, as for {@link #standalone}.
     */
    static RedisConnection cluster(RedisClusterClient client, String target, Mono<Void> release) {
        return new RedisConnection(
                target,
                // connectAsync needs the slot map loaded, and only the blocking connect() loads it itself (lettuce
                // issue 928): load it without blocking first, which also refreshes a shared client's view
                Mono.defer(() -> Mono.fromCompletionStage(client.refreshPartitionsAsync()))
                        .then(Mono.defer(() -> Mono.fromCompletionStage(client.connectAsync(StringCodec.UTF8))))
                        .flatMap(opened -> openNodes(opened).thenReturn(opened))
                        .map(opened -> new Opened(opened, new StoreCommands(opened.reactive()))),
                release);
    }

    /**
     * Open the connection to every node that serves slots before the store uses it: with REJECT_COMMANDS, Lettuce
     * rejects a command whose node connection is still being opened ({@code ClusterDistributionChannelWriter}), which
     * would send the first letters for each node to the journal. Best effort: a node that cannot be reached now is
     * left to Lettuce.
     */
    private static Mono<Void> openNodes(StatefulRedisClusterConnection<String, String> cluster) {
        return Flux.fromIterable(cluster.getPartitions())
                .filter(node -> !node.getSlots().isEmpty())
                .flatMap(node -> Mono.fromCompletionStage(() -> cluster.getConnectionAsync(
                                node.getUri().getHost(), node.getUri().getPort(), ConnectionIntent.WRITE))
                        .onErrorResume(e -> {
                            // the store still works: a letter for that node goes to the journal until it answers
                            log.warn("Could not open the connection to Redis Cluster node {} yet", node.getUri(), e);
                            return Mono.empty();
                        }))
                .then();
    }

    /** Return what the connection goes to, for messages: {@code host:port}, or the Cluster's description. */
    String target() {
        return target;
    }

    /** Return a {@code Mono} of the connection's commands: connects on first use, then emits the same connection. */
    Mono<StoreCommands> commands() {
        return commands;
    }

    /** Return the connection's commands if it is open, else null: the write path uses it to skip {@link #commands()}. */
    @Nullable
    StoreCommands ready() {
        return ready;
    }

    /** Close the connection, then release what the store owns (its client and client resources). Call once. */
    Mono<Void> close() {
        return Mono.defer(() -> {
                    closed = true;
                    StatefulConnection<String, String> open = connection.getAndSet(null);
                    return open == null ? Mono.<Void>empty() : Mono.fromCompletionStage(open.closeAsync());
                })
                .then(release);
    }

    private void opened(Opened opened) {
        if (closed || !connection.compareAndSet(null, opened.connection())) {
            opened.connection().closeAsync();
        } else {
            ready = opened.commands();
        }
    }

    /** A freshly opened connection and the store's commands over it. */
    private record Opened(StatefulConnection<String, String> connection, StoreCommands commands) {}
}
