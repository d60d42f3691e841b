package dev.sluice.bus.redis;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.resource.ClientResources;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

/**
 * Opens a store's connection the way its builder was started: on a client the store creates and configures
 * (docs/DESIGN.md promise 9: reject commands while disconnected, a bounded request queue, command and connect
 * timeouts), on client resources of its own unless the application gave some, or on the application's client, checked
 * but left as it is. What the store creates it shuts down when the connection closes; nothing here blocks.
 */
final class StoreClients {

    private StoreClients() {}

    /** Return a connection to {@code uri} on a client of the store's own, on {@code resources} or its own (null). */
    static RedisConnection standalone(StoreSettings settings, @Nullable ClientResources resources, RedisURI uri) {
        On on = On.of(resources);
        RedisClient client = RedisClient.create(on.resources());
        client.setOptions(safe(ClientOptions.builder(), settings).build());
        return RedisConnection.standalone(client, uri, shutdown(client).then(on.release()));
    }

    /** Return a connection to {@code uri} on the application's {@code client}, which the store does not shut down. */
    static RedisConnection standalone(RedisClient client, RedisURI uri) {
        requireSafe(client.getOptions(), "RedisClient");
        return RedisConnection.standalone(client, uri, Mono.empty());
    }

    /** Return a connection to the Cluster behind {@code seeds} on a client of the store's own, as for one Redis. */
    static RedisConnection cluster(StoreSettings settings, @Nullable ClientResources resources, List<RedisURI> seeds) {
        On on = On.of(resources);
        RedisClusterClient client = RedisClusterClient.create(on.resources(), seeds);
        // topology refresh stays at Lettuce 7's defaults: every adaptive trigger (redirects, lost nodes, uncovered
        // slots) is on, so failover and resharding are followed
        client.setOptions(safe(ClusterClientOptions.builder(), settings).build());
        return RedisConnection.cluster(client, describe(seeds), shutdown(client).then(on.release()));
    }

    /** Return a connection on the application's Cluster {@code client}, which the store does not shut down. */
    static RedisConnection cluster(RedisClusterClient client) {
        requireSafe(client.getOptions(), "RedisClusterClient");
        return RedisConnection.cluster(client, "cluster", Mono.empty());
    }

    /** Return {@code seeds} as a list, checked at assembly time: none null, at least one. */
    static List<RedisURI> seeds(Iterable<RedisURI> seeds) {
        Objects.requireNonNull(seeds, "seeds");
        List<RedisURI> nodes = new ArrayList<>();
        for (RedisURI seed : seeds) {
            nodes.add(Objects.requireNonNull(seed, "seed"));
        }
        if (nodes.isEmpty()) {
            throw new IllegalArgumentException("seeds must name at least one Cluster node, but was empty");
        }
        return List.copyOf(nodes);
    }

    /**
     * Set on {@code builder} what every client the store creates needs (docs/DESIGN.md promise 9): reconnect, reject
     * commands while disconnected, a bounded request queue, command and connect timeouts.
     */
    private static <B extends ClientOptions.Builder> B safe(B builder, StoreSettings settings) {
        builder.autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .requestQueueSize(settings.requestQueueSize)
                .timeoutOptions(TimeoutOptions.enabled(settings.commandTimeout))
                .socketOptions(SocketOptions.builder()
                        .connectTimeout(settings.commandTimeout)
                        .build());
        return builder;
    }

    /** Shut the store's own {@code client} down when subscribed: no quiet period, at most 2 s. */
    private static Mono<Void> shutdown(AbstractRedisClient client) {
        return Mono.defer(() -> Mono.fromCompletionStage(client.shutdownAsync(0, 2, TimeUnit.SECONDS)));
    }

    private static String describe(List<RedisURI> seeds) {
        RedisURI first = seeds.get(0);
        return "cluster " + first.getHost() + ":" + first.getPort() + (seeds.size() > 1 ? ",…" : "");
    }

    /** Refuse an application's client whose options would hide an outage (see {@code Builder#build()}). */
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

    /** The resources a store's own client runs on, and what releasing them takes (nothing for the application's). */
    private record On(ClientResources resources, Mono<Void> release) {
        static On of(@Nullable ClientResources given) {
            if (given != null) {
                return new On(given, Mono.empty());
            }
            OwnedResources owned = new OwnedResources();
            return new On(owned.resources(), owned.shutdown());
        }
    }
}
