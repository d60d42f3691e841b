package dev.sluice.demo;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

/**
 * The "inventory and mail" service the subscribers call: a second Reactor Netty server in the same process, on a
 * free loopback port, whose behaviour {@link Chaos} changes at run time.
 *
 * <ul>
 *   <li>{@code GET /stock/{sku}} → {@code {"sku":"…","available":n}};
 *   <li>{@code POST /email} → {@code 202}; a share ({@code emailFailureRate}) of calls fail with {@code 503}, and
 *       mail to {@code @bounce.example} always does.
 * </ul>
 *
 * Chaos applies to both: added latency first, then {@code 503} during an outage, else {@code 500} at the error
 * rate. Waits are timers, never a blocked thread.
 */
final class Downstream implements AutoCloseable {

    static final String HOPELESS_DOMAIN = "@bounce.example";

    private final Chaos chaos;
    private final double emailFailureRate;
    private final DisposableServer server;

    private Downstream(Chaos chaos, double emailFailureRate) {
        this.chaos = chaos;
        this.emailFailureRate = emailFailureRate;
        this.server = HttpServer.create()
                .host("127.0.0.1")
                .port(0)
                .route(routes -> routes.get("/stock/{sku}", this::stock).post("/email", this::email))
                .bindNow();
    }

    /** Start the service on a free loopback port. */
    static Downstream start(Chaos chaos, double emailFailureRate) {
        return new Downstream(chaos, emailFailureRate);
    }

    String baseUrl() {
        return "http://127.0.0.1:" + server.port();
    }

    private Mono<Void> stock(HttpServerRequest request, HttpServerResponse response) {
        String sku = String.valueOf(request.param("sku"));
        return chaos(response, () -> {
            int available = Math.floorMod(sku.hashCode(), 500)
                    + ThreadLocalRandom.current().nextInt(10);
            return response.status(HttpResponseStatus.OK)
                    .header(HttpHeaderNames.CONTENT_TYPE, "application/json")
                    .sendString(Mono.just(Json.object()
                            .put("sku", sku)
                            .put("available", available)
                            .toString()))
                    .then();
        });
    }

    private Mono<Void> email(HttpServerRequest request, HttpServerResponse response) {
        return request.receive()
                .aggregate()
                .asString()
                .defaultIfEmpty("")
                .flatMap(body -> chaos(response, () -> {
                    boolean hopeless = body.contains(HOPELESS_DOMAIN);
                    if (hopeless || ThreadLocalRandom.current().nextDouble() < emailFailureRate) {
                        return response.status(HttpResponseStatus.SERVICE_UNAVAILABLE)
                                .sendString(Mono.just(hopeless ? "mailbox unavailable" : "mail relay busy"))
                                .then();
                    }
                    return response.status(HttpResponseStatus.ACCEPTED).send();
                }));
    }

    private Mono<Void> chaos(HttpServerResponse response, Supplier<Mono<Void>> healthy) {
        Chaos.Settings now = chaos.get();
        Mono<Void> answer = Mono.defer(() -> {
            if (now.outage()) {
                return response.status(HttpResponseStatus.SERVICE_UNAVAILABLE)
                        .sendString(Mono.just("outage"))
                        .then();
            }
            if (now.errorRate() > 0 && ThreadLocalRandom.current().nextDouble() < now.errorRate()) {
                return response.status(HttpResponseStatus.INTERNAL_SERVER_ERROR)
                        .sendString(Mono.just("chaos"))
                        .then();
            }
            return healthy.get();
        });
        return now.latencyMs() > 0
                ? Mono.delay(Duration.ofMillis(now.latencyMs())).then(answer)
                : answer;
    }

    @Override
    public void close() {
        server.disposeNow(Duration.ofSeconds(5));
    }
}
