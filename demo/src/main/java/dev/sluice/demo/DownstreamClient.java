package dev.sluice.demo;

import dev.sluice.policy.HttpStatusException;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.time.Duration;
import java.time.Instant;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufMono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.client.HttpClientResponse;
import reactor.netty.resources.ConnectionProvider;

/**
 * The subscribers' Reactor Netty {@link HttpClient} to the downstream: its own pool (so a slow downstream cannot take
 * connections from anything else), and non-2xx answers turned into {@link HttpStatusException}, which Sluice's
 * standard classifier retries for 429 and 5xx. Every call names the event it is for in {@value #IDEMPOTENCY_KEY} (a
 * durable event may be handled twice: the downstream can tell a repeat by it), the calling instance in {@value
 * #INSTANCE}, and when it began in {@value #SENT_AT} (taken at subscription, so each retry has its own).
 */
final class DownstreamClient implements AutoCloseable {

    /** Request header with the id of the event a call is made for. */
    static final String IDEMPOTENCY_KEY = "Idempotency-Key";
    /** Request header with the id of the demo instance that calls. */
    static final String INSTANCE = "X-Sluice-Instance";
    /** Request header with when the call began (ISO-8601, this machine's clock): the handler's attempt started. */
    static final String SENT_AT = "X-Sluice-Sent-At";

    private final ConnectionProvider pool;
    private final HttpClient http;

    /** Call the downstream at {@code baseUrl} on behalf of the demo instance {@code instance}. */
    DownstreamClient(String baseUrl, String instance) {
        this.pool = ConnectionProvider.builder("sluice-demo-downstream")
                .maxConnections(64)
                .pendingAcquireMaxCount(10_000)
                .pendingAcquireTimeout(Duration.ofSeconds(10))
                .maxIdleTime(Duration.ofSeconds(30))
                .build();
        this.http = HttpClient.create(pool).baseUrl(baseUrl).headers(h -> h.set(INSTANCE, instance));
    }

    HttpClient http() {
        return http;
    }

    /**
     * GET {@code path} for event {@code eventId} and emit the body as text, or signal {@link HttpStatusException} for
     * a non-2xx answer.
     */
    Mono<String> get(String path, String eventId) {
        return Mono.defer(
                () -> http.headers(h -> stamp(h, eventId)).get().uri(path).responseSingle(DownstreamClient::body));
    }

    /** POST {@code json} to {@code path} for event {@code eventId}; complete on 2xx, else signal {@link HttpStatusException}. */
    Mono<String> post(String path, String json, String eventId) {
        return Mono.defer(
                () -> http.headers(h -> stamp(h, eventId).set(HttpHeaderNames.CONTENT_TYPE, "application/json"))
                        .post()
                        .uri(path)
                        .send(ByteBufMono.fromString(Mono.just(json)))
                        .responseSingle(DownstreamClient::body));
    }

    private static HttpHeaders stamp(HttpHeaders headers, String eventId) {
        return headers.set(IDEMPOTENCY_KEY, eventId).set(SENT_AT, Instant.now().toString());
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
