package dev.sluice.demo;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.bus.DeadLetterQuery;
import dev.sluice.bus.SubscriberHandle;
import dev.sluice.bus.SubscriberHealth;
import dev.sluice.bus.SubscriberStats;
import io.micrometer.core.instrument.Gauge;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

/**
 * {@code GET /status}: one self-contained HTML page (no CDN, no build step), and {@code GET /status/stream}: a
 * Server-Sent Events stream with a JSON snapshot every second — this instance's id and mode ({@code durable} or
 * {@code in-process}); each subscriber's breaker state, inbox fill, accounting, health, dead-letter depth and recent
 * failures; and for a durable subscriber its {@code durable} object ({@link DurableStatus}: instances, partition
 * owners, the partitions this instance owns, lag, pending, oldest pending age, redeliveries, ownership changes, the
 * stream audit) — from which the page draws itself, its live chart included. {@code GET /status.json} is one snapshot.
 */
final class StatusRoutes {

    static final Duration PERIOD = Duration.ofSeconds(1);

    private final DemoRuntime runtime;
    private final String page;
    private final @Nullable DurableStatus durable;

    StatusRoutes(DemoRuntime runtime) {
        this.runtime = runtime;
        this.page = resource("status.html");
        this.durable = DurableStatus.of(runtime);
    }

    Mono<Void> json(HttpServerRequest request, HttpServerResponse response) {
        return snapshot().flatMap(json -> Http.sendJson(response, HttpResponseStatus.OK, json));
    }

    Mono<Void> page(HttpServerRequest request, HttpServerResponse response) {
        return response.status(HttpResponseStatus.OK)
                .header(HttpHeaderNames.CONTENT_TYPE, "text/html; charset=utf-8")
                .header(HttpHeaderNames.CACHE_CONTROL, "no-store")
                .sendString(Mono.just(page))
                .then();
    }

    Mono<Void> stream(HttpServerRequest request, HttpServerResponse response) {
        Flux<String> frames = Flux.interval(Duration.ZERO, PERIOD)
                .onBackpressureDrop()
                .concatMap(tick -> snapshot(), 1)
                .map(json -> "event: status\ndata: " + json + "\n\n");
        return response.sse()
                .header(HttpHeaderNames.CACHE_CONTROL, "no-store")
                .sendString(Flux.concat(Mono.just("retry: 2000\n\n"), frames))
                .then();
    }

    /** Return the current snapshot as JSON. */
    Mono<ObjectNode> snapshot() {
        DurableStatus sampler = durable;
        Mono<Map<String, ObjectNode>> durables = sampler == null ? Mono.just(Map.of()) : sampler.sample();
        return durables.flatMap(byName -> Flux.fromIterable(
                                runtime.subscribers.handles().values())
                        .concatMap(handle -> subscriber(handle, byName.get(handle.name())))
                        .collectList())
                .map(subscribers -> {
                    ObjectNode json = Json.object().put("at", Instant.now().toString());
                    json.put("instance", runtime.instance)
                            .put("mode", sampler == null ? "in-process" : "durable")
                            .put("partitions", sampler == null ? 0 : sampler.partitions());
                    json.set("chaos", OpsRoutes.chaosJson(runtime.chaos.get()));
                    SubscriberHealth bus = runtime.bus.health();
                    json.putObject("bus")
                            .put("status", bus.status().name())
                            .put("reason", bus.reason())
                            .put("published", runtime.bus.publishedCount());
                    var store = runtime.store.health();
                    json.putObject("store").put("status", store.status().name()).put("reason", store.reason());
                    ArrayNode array = json.putArray("subscribers");
                    subscribers.forEach(array::add);
                    json.putArray("breakerTransitions")
                            .addAll(runtime.subscribers.breakerTransitions().stream()
                                    .map(t -> Json.MAPPER.getNodeFactory().textNode(t))
                                    .toList());
                    return json;
                });
    }

    private Mono<ObjectNode> subscriber(SubscriberHandle handle, @Nullable ObjectNode durableJson) {
        String name = handle.name();
        DeadLetterQuery live = DeadLetterQuery.of(name);
        return Mono.zip(
                        runtime.store.count(live).onErrorReturn(-1L),
                        runtime.store.count(live.withParked(true)).onErrorReturn(-1L))
                .map(counts -> {
                    SubscriberStats stats = handle.stats();
                    SubscriberHealth health = handle.health();
                    Gauge inbox = runtime.registry
                            .find("sluice.inbox.size")
                            .tag("subscriber", name)
                            .gauge();
                    ObjectNode json = Json.object()
                            .put("name", name)
                            .put("breaker", runtime.subscribers.breakerState(name))
                            .put("inbox", inbox == null ? 0 : (long) inbox.value())
                            .put("inboxCapacity", Subscribers.inboxCapacities().getOrDefault(name, 0))
                            .put("offered", stats.offered())
                            .put("delivered", stats.delivered())
                            .put("recovered", stats.recovered())
                            .put("deadLettered", stats.deadLettered())
                            .put("dropped", stats.dropped())
                            .put("inFlight", stats.inFlight())
                            .put("health", health.status().name())
                            .put("healthReason", health.reason())
                            .put("deadLetters", counts.getT1())
                            .put("parked", counts.getT2());
                    json.set("recentFailures", runtime.recentFailures.json(name));
                    json.set("durable", durableJson);
                    return json;
                });
    }

    private static String resource(String name) {
        try (InputStream in = StatusRoutes.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
