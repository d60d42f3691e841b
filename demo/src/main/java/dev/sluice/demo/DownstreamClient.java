package dev.sluice.demo;

import dev.sluice.policy.HttpStatusException;
import io.netty.handler.codec.http.HttpHeaderNames;
import java.time.Duration;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufMono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.client.HttpClientResponse;
import reactor.netty.resources.ConnectionProvider;

/**
 * The subscribers' Reactor Netty {@link HttpClient} to the downstream: its own pool (so a slow downstream cannot take
 * connections from anything else), and non-2xx answers turned into {@link HttpStatusException}, which Sluice's
 * standard classifier retries for 429 and 5xx.
 */
final class DownstreamClient implements AutoCloseable {

    private final ConnectionProvider pool;
    private final HttpClient http;

    DownstreamClient(String baseUrl) {
        this.pool = ConnectionProvider.builder("sluice-demo-downstream")
                .maxConnections(64)
                .pendingAcquireMaxCount(10_000)
                .pendingAcquireTimeout(Duration.ofSeconds(10))
                .maxIdleTime(Duration.ofSeconds(30))
                .build();
        this.http = HttpClient.create(pool).baseUrl(baseUrl);
    }

    HttpClient http() {
        return http;
    }

    /** GET {@code path} and emit the body as text, or signal {@link HttpStatusException} for a non-2xx answer. */
    Mono<String> get(String path) {
        return http.get().uri(path).responseSingle(DownstreamClient::body);
    }

    /** POST {@code json} to {@code path}; complete on 2xx, else signal {@link HttpStatusException}. */
    Mono<String> post(String path, String json) {
        return http.headers(h -> h.set(HttpHeaderNames.CONTENT_TYPE, "application/json"))
                .post()
                .uri(path)
                .send(ByteBufMono.fromString(Mono.just(json)))
                .responseSingle(DownstreamClient::body);
    }

    private static Mono<String> body(HttpClientResponse response, ByteBufMono body) {
        int status = response.status().code();
        if (status >= 200 && status < 300) {
            return body.asString().defaultIfEmpty("");
        }
        return body.asString().defaultIfEmpty("").then(Mono.error(new HttpStatusException(status)));
    }

    @Override
    public void close() {
        pool.disposeLater().block(Duration.ofSeconds(5)); // from DemoRuntime.close(), on main or the shutdown hook
    }
}
