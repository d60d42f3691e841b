package dev.sluice.demo;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.time.Duration;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

/**
 * The demo's HTTP API on Reactor Netty. For now it serves {@code GET /health}: {@code 200} with
 * {@code {"status":"UP","redis":"UP"}} when Redis answers a {@code PING} within 1 s, else {@code 503}.
 *
 * <p>Never blocks a Netty thread: Redis is reached through Lettuce's reactive API.
 */
final class DemoServer implements AutoCloseable {

    private static final Duration REDIS_PING_TIMEOUT = Duration.ofSeconds(1);

    private final StatefulRedisConnection<String, String> redis;
    private final DisposableServer server;

    private DemoServer(StatefulRedisConnection<String, String> redis, String host, int port) {
        this.redis = redis;
        this.server = HttpServer.create()
                .host(host)
                .port(port)
                .route(routes -> routes.get("/health", this::health))
                .bindNow();
    }

    /** Bind the server on {@code host:port} ({@code 0} for a free port), using {@code client} for Redis. */
    static DemoServer start(RedisClient client, String host, int port) {
        return new DemoServer(client.connect(), host, port);
    }

    int port() {
        return server.port();
    }

    String host() {
        return server.host();
    }

    private Mono<Void> health(HttpServerRequest request, HttpServerResponse response) {
        return redis.reactive()
                .ping()
                .timeout(REDIS_PING_TIMEOUT)
                .map(pong -> true)
                .onErrorResume(e -> Mono.just(false))
                .flatMap(up -> response.status(up ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE)
                        .header(HttpHeaderNames.CONTENT_TYPE, "application/json")
                        .sendString(Mono.just(
                                up
                                        ? "{\"status\":\"UP\",\"redis\":\"UP\"}"
                                        : "{\"status\":\"DOWN\",\"redis\":\"DOWN\"}"))
                        .then());
    }

    /** Wait until the server is closed; for {@code main} only, never on a Reactor or Netty thread. */
    void awaitClose() {
        server.onDispose().block();
    }

    @Override
    public void close() {
        server.disposeNow(Duration.ofSeconds(5));
        redis.close();
    }
}
