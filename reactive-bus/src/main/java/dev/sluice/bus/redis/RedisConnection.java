package dev.sluice.bus.redis;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.reactive.RedisReactiveCommands;
import io.lettuce.core.codec.StringCodec;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

/**
 * The store's own Redis connection: opened lazily on first use, kept for good once open (Lettuce reconnects it), tried
 * again on the next use after a failed connect. Closing it also shuts the client down if the store created it.
 * Thread-safe; nothing blocks.
 */
final class RedisConnection {

    private final RedisClient client;
    private final RedisURI uri;
    private final boolean ownsClient;
    private final Mono<RedisReactiveCommands<String, String>> commands;
    private final AtomicReference<@Nullable StatefulRedisConnection<String, String>> connection =
            new AtomicReference<>();
    private volatile @Nullable RedisReactiveCommands<String, String> ready;
    private volatile boolean closed;

    RedisConnection(RedisClient client, RedisURI uri, boolean ownsClient) {
        this.client = client;
        this.uri = uri;
        this.ownsClient = ownsClient;
        this.commands = Mono.defer(() -> Mono.fromCompletionStage(client.connectAsync(StringCodec.UTF8, uri)))
                .doOnNext(this::opened)
                .map(StatefulRedisConnection::reactive)
                .cache(c -> Duration.ofMillis(Long.MAX_VALUE), e -> Duration.ZERO, () -> Duration.ZERO);
    }

    /** Return the URI the connection goes to. */
    RedisURI uri() {
        return uri;
    }

    /** Return a {@code Mono} of the connection's commands: connects on first use, then emits the same connection. */
    Mono<RedisReactiveCommands<String, String>> commands() {
        return commands;
    }

    /** Return the connection's commands if it is open, else null: the write path uses it to skip {@link #commands()}. */
    @Nullable
    RedisReactiveCommands<String, String> ready() {
        return ready;
    }

    /** Close the connection and, if the store created the client, shut the client down. Call once. */
    Mono<Void> close() {
        return Mono.defer(() -> {
                    closed = true;
                    StatefulRedisConnection<String, String> open = connection.getAndSet(null);
                    return open == null ? Mono.<Void>empty() : Mono.fromCompletionStage(open.closeAsync());
                })
                .then(Mono.defer(() -> ownsClient
                        ? Mono.fromCompletionStage(client.shutdownAsync(0, 2, TimeUnit.SECONDS))
                        : Mono.<Void>empty()));
    }

    private void opened(StatefulRedisConnection<String, String> opened) {
        if (closed || !connection.compareAndSet(null, opened)) {
            opened.closeAsync();
        } else {
            ready = opened.reactive();
        }
    }
}
