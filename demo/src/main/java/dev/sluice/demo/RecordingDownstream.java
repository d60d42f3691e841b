package dev.sluice.demo;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

/**
 * The one inventory/mail service that every instance of the multi-process scenario calls (a Reactor Netty server on a
 * free loopback port, the same routes as {@link Downstream} and no chaos), recording each call: which endpoint, for
 * which event ({@value DownstreamClient#IDEMPOTENCY_KEY}), from which instance ({@value DownstreamClient#INSTANCE}),
 * when the caller began it ({@value DownstreamClient#SENT_AT}), in which order calls arrived, and the answer. {@code GET /stock/{sku}} always answers {@code 200}; {@code POST
 * /email} answers {@code 503} for mail to {@code @bounce.example} and for a share of the rest, else {@code 202}.
 * Handlers never block: a call is one lock-free append. Thread-safe.
 */
final class RecordingDownstream implements AutoCloseable {

    /** The endpoint of {@code inventory}'s calls. */
    static final String STOCK = "stock";
    /** The endpoint of {@code email}'s calls. */
    static final String EMAIL = "email";

    /**
     * One call as it reached the downstream.
     *
     * @param arrival the call's place in arrival order, from 0, over both endpoints
     * @param endpoint {@link #STOCK} or {@link #EMAIL}
     * @param eventId the event it was made for, or null if the caller did not say
     * @param instance the calling instance, or null if the caller did not say
     * @param sentAt when the caller began the call, or null if it did not say (or not as an ISO-8601 instant)
     * @param status the status answered
     * @param answeredAt when the answer was decided
     */
    record Call(
            long arrival,
            String endpoint,
            @Nullable String eventId,
            @Nullable String instance,
            @Nullable Instant sentAt,
            int status,
            Instant answeredAt) {

        boolean succeeded() {
            return status >= 200 && status < 300;
        }
    }

    private final double emailFailureRate;
    private final AtomicLong arrivals = new AtomicLong();
    private final ConcurrentLinkedQueue<Call> calls = new ConcurrentLinkedQueue<>();
    private final DisposableServer server;

    private RecordingDownstream(double emailFailureRate) {
        this.emailFailureRate = emailFailureRate;
        this.server = HttpServer.create()
                .host("127.0.0.1")
                .port(0)
                .route(routes -> routes.get("/stock/{sku}", this::stock).post("/email", this::email))
                .bindNow();
    }

    /**
     * Start the service on a free loopback port; blocks until it is bound (on the caller's thread, main or a test).
     *
     * @param emailFailureRate share of mail (0 to 1) refused with {@code 503} besides {@code @bounce.example}'s
     * @throws IllegalArgumentException if {@code emailFailureRate} is not in 0..1
     */
    static RecordingDownstream start(double emailFailureRate) {
        if (!(emailFailureRate >= 0 && emailFailureRate <= 1)) {
            throw new IllegalArgumentException("emailFailureRate must be in 0..1, but was " + emailFailureRate);
        }
        return new RecordingDownstream(emailFailureRate);
    }

    String baseUrl() {
        return "http://127.0.0.1:" + server.port();
    }

    /** Return the calls so far, in the order they were recorded. */
    List<Call> calls() {
        return List.copyOf(calls);
    }

    private Mono<Void> stock(HttpServerRequest request, HttpServerResponse response) {
        long arrival = arrivals.getAndIncrement();
        String sku = String.valueOf(request.param("sku"));
        record(arrival, STOCK, request, HttpResponseStatus.OK);
        return response.status(HttpResponseStatus.OK)
                .header(HttpHeaderNames.CONTENT_TYPE, "application/json")
                .sendString(Mono.just(Json.object()
                        .put("sku", sku)
                        .put("available", Math.floorMod(sku.hashCode(), 500))
                        .toString()))
                .then();
    }

    private Mono<Void> email(HttpServerRequest request, HttpServerResponse response) {
        long arrival = arrivals.getAndIncrement();
        return request.receive().aggregate().asString().defaultIfEmpty("").flatMap(body -> {
            boolean refused = body.contains(Downstream.HOPELESS_DOMAIN)
                    || ThreadLocalRandom.current().nextDouble() < emailFailureRate;
            HttpResponseStatus status = refused ? HttpResponseStatus.SERVICE_UNAVAILABLE : HttpResponseStatus.ACCEPTED;
            record(arrival, EMAIL, request, status);
            return response.status(status).send();
        });
    }

    private void record(long arrival, String endpoint, HttpServerRequest request, HttpResponseStatus status) {
        calls.add(new Call(
                arrival,
                endpoint,
                request.requestHeaders().get(DownstreamClient.IDEMPOTENCY_KEY),
                request.requestHeaders().get(DownstreamClient.INSTANCE),
                instant(request.requestHeaders().get(DownstreamClient.SENT_AT)),
                status.code(),
                Instant.now()));
    }

    private static @Nullable Instant instant(@Nullable String text) {
        try {
            return text == null ? null : Instant.parse(text);
        } catch (DateTimeParseException e) {
            return null; // not from DownstreamClient: the call counts, its start time is unknown
        }
    }

    @Override
    public void close() {
        server.disposeNow(Duration.ofSeconds(5)); // on the scenario's thread (main or a test)
    }
}
