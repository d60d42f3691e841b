package dev.sluice.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.bus.DeadLetterStore;
import dev.sluice.bus.SubscriberHealth;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.time.Duration;
import java.util.Iterator;
import java.util.Set;
import reactor.core.publisher.Mono;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

/**
 * Operations endpoints: {@code GET /health} (200 only when every subscriber is healthy, the store is up and Redis
 * answers a PING within 1 s; else 503), {@code GET /metrics} (Prometheus text), {@code GET}/{@code POST /chaos} (the
 * downstream's misbehaviour; POST is admin).
 */
final class OpsRoutes {

    private static final Duration REDIS_PING_TIMEOUT = Duration.ofSeconds(1);
    private static final Set<String> CHAOS_FIELDS = Set.of("errorRate", "latencyMs", "outage");

    private final DemoRuntime runtime;
    private final AdminAuth admin;

    OpsRoutes(DemoRuntime runtime, AdminAuth admin) {
        this.runtime = runtime;
        this.admin = admin;
    }

    Mono<Void> health(HttpServerRequest request, HttpServerResponse response) {
        return runtime.redis
                .reactive()
                .ping()
                .timeout(REDIS_PING_TIMEOUT)
                .map(pong -> true)
                .onErrorResume(e -> Mono.just(false))
                .flatMap(redisUp -> {
                    ObjectNode json = Json.object();
                    boolean healthy = redisUp;
                    ObjectNode subscribers = Json.object();
                    for (var entry : runtime.subscribers.handles().entrySet()) {
                        SubscriberHealth health = entry.getValue().health();
                        healthy &= health.status() == SubscriberHealth.Status.HEALTHY;
                        subscribers
                                .putObject(entry.getKey())
                                .put("status", health.status().name())
                                .put("reason", health.reason());
                    }
                    DeadLetterStore.StoreHealth store = runtime.store.health();
                    healthy &= store.status() == DeadLetterStore.StoreHealth.Status.UP;
                    json.put("status", healthy ? "UP" : "DOWN");
                    json.put("redis", redisUp ? "UP" : "DOWN");
                    json.putObject("store").put("status", store.status().name()).put("reason", store.reason());
                    json.set("subscribers", subscribers);
                    return Http.sendJson(
                            response, healthy ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE, json);
                });
    }

    Mono<Void> metrics(HttpServerRequest request, HttpServerResponse response) {
        PrometheusMeterRegistry registry = runtime.registry;
        return response.status(HttpResponseStatus.OK)
                .header(HttpHeaderNames.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")
                .sendString(Mono.fromSupplier(registry::scrape))
                .then();
    }

    Mono<Void> chaos(HttpServerRequest request, HttpServerResponse response) {
        return Http.sendJson(response, HttpResponseStatus.OK, chaosJson(runtime.chaos.get()));
    }

    Mono<Void> setChaos(HttpServerRequest request, HttpServerResponse response) {
        admin.check(request);
        return Http.jsonBody(request).flatMap(json -> {
            Chaos.Settings next = parse(json, runtime.chaos.get());
            runtime.chaos.set(next);
            return Http.sendJson(response, HttpResponseStatus.OK, chaosJson(next));
        });
    }

    private static Chaos.Settings parse(JsonNode json, Chaos.Settings current) {
        if (!json.isObject()) {
            throw Problem.badRequest("the body must be a JSON object like {\"errorRate\":0.5,\"latencyMs\":300,"
                            + "\"outage\":true}")
                    .raise();
        }
        for (Iterator<String> names = json.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!CHAOS_FIELDS.contains(name)) {
                throw Problem.badRequest("unknown field '" + name + "'; known: " + CHAOS_FIELDS)
                        .raise();
            }
        }
        JsonNode errorRate = json.get("errorRate"), latency = json.get("latencyMs"), outage = json.get("outage");
        if (errorRate != null && !errorRate.isNumber()
                || latency != null && !latency.isIntegralNumber()
                || outage != null && !outage.isBoolean()) {
            throw Problem.badRequest("errorRate must be a number, latencyMs an integer, outage a boolean")
                    .raise();
        }
        try {
            return current.with(
                    errorRate == null ? null : errorRate.asDouble(),
                    latency == null ? null : latency.asLong(),
                    outage == null ? null : outage.asBoolean());
        } catch (IllegalArgumentException e) {
            throw Problem.badRequest(String.valueOf(e.getMessage())).raise();
        }
    }

    static ObjectNode chaosJson(Chaos.Settings settings) {
        return Json.object()
                .put("errorRate", settings.errorRate())
                .put("latencyMs", settings.latencyMs())
                .put("outage", settings.outage());
    }
}
