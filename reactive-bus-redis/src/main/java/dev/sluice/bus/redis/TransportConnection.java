package dev.sluice.bus.redis;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.api.reactive.RedisClusterReactiveCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.protocol.CommandType;
import io.lettuce.core.protocol.ConnectionIntent;
import io.lettuce.core.protocol.RedisCommand;
import io.lettuce.core.resource.ClientResources;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The transport's Redis connections: one shared connection for commands and scripts (appends, acks, leases),
 * opened on first use and kept (Lettuce reconnects it, and in a Cluster follows the topology), tried again on the next
 * use after a failed connect; and a new connection per consumer for its blocking reads. Every client the transport
 * creates has the options of docs/DESIGN.md promise 9 (reject commands while disconnected, a bounded request queue,
 * command and connect timeouts); a blocking read ({@code XREADGROUP}, {@code XREAD}) gets {@code block} more than the
 * command timeout, so its {@code BLOCK} ends before Lettuce gives up on it. An application's client is used as it is,
 * once checked. Closing shuts down what the transport created. Thread-safe; nothing blocks.
 */
final class TransportConnection {

    private static final Logger log = LoggerFactory.getLogger(TransportConnection.class);

    private final String target;
    private final boolean cluster;
    private final int requestQueueSize;
    private final Mono<Opened> open;
    private final Mono<Void> release;
    private final Mono<RedisClusterReactiveCommands<String, String>> commands;
    private final AtomicReference<@Nullable Opened> shared = new AtomicReference<>();
    private volatile boolean closed;

    private TransportConnection(
            String target, boolean cluster, int requestQueueSize, Mono<Opened> open, Mono<Void> release) {
        this.target = target;
        this.cluster = cluster;
        this.requestQueueSize = requestQueueSize;
        this.open = open;
        this.release = release;
        this.commands = open.doOnNext(this::opened)
                .map(Opened::commands)
                .cache(c -> Duration.ofMillis(Long.MAX_VALUE), e -> Duration.ZERO, () -> Duration.ZERO);
    }

    /** Return a connection to {@code uri} on a client of the transport's own, on {@code resources} or its own. */
    static TransportConnection standalone(
            TransportSettings settings, @Nullable ClientResources resources, RedisURI uri) {
        OwnedOrGiven on = OwnedOrGiven.of(resources);
        RedisClient client = RedisClient.create(on.resources());
        client.setOptions(safe(ClientOptions.builder(), settings).build());
        return standalone(client, uri, shutdown(client).then(on.release()));
    }

    /** Return a connection to {@code uri} on the application's {@code client}, which the transport leaves running. */
    static TransportConnection standalone(RedisClient client, RedisURI uri) {
        requireSafe(client.getOptions(), "RedisClient");
        return standalone(client, uri, Mono.empty());
    }

    /** Return a connection to the Cluster behind {@code seeds} on a client of the transport's own. */
    static TransportConnection cluster(
            TransportSettings settings, @Nullable ClientResources resources, List<RedisURI> seeds) {
        OwnedOrGiven on = OwnedOrGiven.of(resources);
        RedisClusterClient client = RedisClusterClient.create(on.resources(), seeds);
        client.setOptions(safe(ClusterClientOptions.builder(), settings).build());
        RedisURI first = seeds.get(0);
        String target = "cluster " + first.getHost() + ":" + first.getPort() + (seeds.size() > 1 ? ",…" : "");
        return cluster(client, target, shutdown(client).then(on.release()));
    }

    /** Return a connection on the application's Cluster {@code client}, which the transport leaves running. */
    static TransportConnection cluster(RedisClusterClient client) {
        requireSafe(client.getOptions(), "RedisClusterClient");
        return cluster(client, "cluster", Mono.empty());
    }

    private static TransportConnection standalone(RedisClient client, RedisURI uri, Mono<Void> release) {
        Mono<Opened> open = Mono.defer(() -> Mono.fromCompletionStage(client.connectAsync(StringCodec.UTF8, uri)))
                .map(c -> new Opened(c.reactive(), c.async(), c::closeAsync));
        return new TransportConnection(
                uri.getHost() + ":" + uri.getPort(), false, client.getOptions().getRequestQueueSize(), open, release);
    }

    private static TransportConnection cluster(RedisClusterClient client, String target, Mono<Void> release) {
        // connectAsync needs the slot map loaded, which only the blocking connect() does itself (lettuce issue 928)
        Mono<Opened> open = Mono.defer(() -> Mono.fromCompletionStage(client.refreshPartitionsAsync()))
                .then(Mono.defer(() -> Mono.fromCompletionStage(client.connectAsync(StringCodec.UTF8))))
                .flatMap(c -> openNodes(c).thenReturn(new Opened(c.reactive(), c.async(), c::closeAsync)));
        return new TransportConnection(target, true, client.getOptions().getRequestQueueSize(), open, release);
    }

    /** Return what the connection goes to, for messages. */
    String target() {
        return target;
    }

    /** Return whether it is a Cluster connection. */
    boolean cluster() {
        return cluster;
    }

    /** Return how many commands may await replies on one connection before Lettuce refuses the next. */
    int requestQueueSize() {
        return requestQueueSize;
    }

    /** Return the shared connection's commands: connects on first use, then emits the same connection. */
    Mono<RedisClusterReactiveCommands<String, String>> commands() {
        return commands;
    }

    /** Return the shared connection's async commands if open, else null (the append path skips the cached Mono then). */
    @Nullable
    RedisClusterAsyncCommands<String, String> readyAsync() {
        Opened opened = shared.get();
        return opened == null ? null : opened.async();
    }

    /** Open a new connection for one consumer's blocking reads. */
    Mono<StreamContext.ReadConnection> openRead() {
        return Mono.defer(() -> closed
                        ? Mono.error(
                                new IllegalStateException("the transport's connection to " + target + " is closed"))
                        : open)
                .map(opened -> new Read(opened, cluster));
    }

    /** Close the shared connection, then shut down what the transport owns. Call once. */
    Mono<Void> close() {
        return Mono.defer(() -> {
                    closed = true;
                    Opened opened = shared.getAndSet(null);
                    return opened == null ? Mono.<Void>empty() : opened.close();
                })
                .then(release);
    }

    private void opened(Opened opened) {
        if (closed || !shared.compareAndSet(null, opened)) {
            opened.close().subscribe(null, e -> log.debug("Could not close a surplus connection to {}", target, e));
        }
    }

    /**
     * Open the connection to every node serving slots: with REJECT_COMMANDS Lettuce rejects a command whose node
     * connection is still being opened. Best effort: a node that cannot be reached now is left to Lettuce.
     */
    private static Mono<Void> openNodes(StatefulRedisClusterConnection<String, String> cluster) {
        return Flux.fromIterable(cluster.getPartitions())
                .filter(node -> !node.getSlots().isEmpty())
                .flatMap(node -> Mono.fromCompletionStage(() -> cluster.getConnectionAsync(
                                node.getUri().getHost(), node.getUri().getPort(), ConnectionIntent.WRITE))
                        .onErrorResume(e -> {
                            log.warn("Could not open the connection to Redis Cluster node {} yet", node.getUri(), e);
                            return Mono.empty();
                        }))
                .then();
    }

    private static <B extends ClientOptions.Builder> B safe(B builder, TransportSettings settings) {
        long command = settings.commandTimeout.toNanos();
        long read = settings.commandTimeout.plus(settings.block).toNanos();
        builder.autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .requestQueueSize(settings.requestQueueSize)
                .timeoutOptions(TimeoutOptions.builder()
                        .timeoutCommands()
                        .timeoutSource(new TimeoutOptions.TimeoutSource() {
                            @Override
                            public long getTimeout(RedisCommand<?, ?, ?> c) {
                                return blocking(c) ? read : command;
                            }

                            @Override
                            public TimeUnit getTimeUnit() {
                                return TimeUnit.NANOSECONDS;
                            }
                        })
                        .build())
                .socketOptions(SocketOptions.builder()
                        .connectTimeout(settings.commandTimeout)
                        .build());
        return builder;
    }

    private static boolean blocking(RedisCommand<?, ?, ?> command) {
        return command.getType() == CommandType.XREADGROUP || command.getType() == CommandType.XREAD;
    }

    private static Mono<Void> shutdown(AbstractRedisClient client) {
        return Mono.defer(() -> Mono.fromCompletionStage(client.shutdownAsync(0, 2, TimeUnit.SECONDS)));
    }

    private static void requireSafe(ClientOptions options, String kind) {
        if (options.getDisconnectedBehavior() != ClientOptions.DisconnectedBehavior.REJECT_COMMANDS) {
            throw new IllegalStateException("the " + kind + "'s disconnectedBehavior must be REJECT_COMMANDS, but "
                    + "was " + options.getDisconnectedBehavior() + ": an outage would never be noticed");
        }
        if (options.getRequestQueueSize() == Integer.MAX_VALUE) {
            throw new IllegalStateException(
                    "the " + kind + "'s requestQueueSize must be bounded, but was Integer.MAX_VALUE");
        }
        if (!options.getTimeoutOptions().isTimeoutCommands()) {
            throw new IllegalStateException("the " + kind + "'s timeoutOptions must time commands out");
        }
    }

    /** An open connection's commands and how to close it. */
    private record Opened(
            RedisClusterReactiveCommands<String, String> commands,
            RedisClusterAsyncCommands<String, String> async,
            Supplier<CompletableFuture<Void>> closer) {
        Mono<Void> close() {
            return Mono.fromCompletionStage(closer);
        }
    }

    /** One consumer's read connection. */
    private record Read(Opened opened, boolean cluster) implements StreamContext.ReadConnection {
        @Override
        public RedisClusterReactiveCommands<String, String> commands() {
            return opened.commands();
        }

        @Override
        public Mono<Void> close() {
            return opened.close();
        }
    }

    /** The client resources a transport's own client runs on, and how to release them. */
    private record OwnedOrGiven(ClientResources resources, Mono<Void> release) {
        static OwnedOrGiven of(@Nullable ClientResources given) {
            if (given != null) {
                return new OwnedOrGiven(given, Mono.empty());
            }
            OwnedResources owned = new OwnedResources();
            return new OwnedOrGiven(owned.resources(), owned.shutdown());
        }
    }
}
