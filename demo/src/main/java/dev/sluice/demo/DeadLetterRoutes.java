package dev.sluice.demo;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.bus.DeadLetter;
import dev.sluice.bus.DeadLetterQuery;
import dev.sluice.bus.DeadLetterReason;
import dev.sluice.bus.EventBus;
import dev.sluice.bus.RedriveResult;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

/**
 * The dead-letter API over the {@code DeadLetterStore} SPI: list ({@code
 * ?subscriber=&type=&reason=&limit=&parked=&from=&to=}; {@code count} is the page's size, {@code total} every match),
 * count ({@code GET /dead-letters/count}, same filters, per subscriber and in all), get one, delete one (admin), purge
 * one subscriber's letters, live and parked (admin, {@code DELETE /dead-letters/{subscriber}}), and redrive (admin)
 * with results streamed as NDJSON, one line per letter as it finishes. {@code from} (inclusive) and {@code to}
 * (exclusive) are ISO-8601 instants on {@code deadLetteredAt}.
 */
final class DeadLetterRoutes {

    static final int MAX_LIST = 1000;

    private final EventBus bus;
    private final Set<String> subscribers;
    private final AdminAuth admin;

    DeadLetterRoutes(EventBus bus, Set<String> subscribers, AdminAuth admin) {
        this.bus = bus;
        this.subscribers = subscribers;
        this.admin = admin;
    }

    Mono<Void> list(HttpServerRequest request, HttpServerResponse response) {
        String subscriber = Http.query(request, "subscriber");
        List<String> names = subscriber == null ? List.copyOf(subscribers) : List.of(known(subscriber));
        int limit = Http.intQuery(request, "limit", DeadLetterQuery.DEFAULT_LIMIT, 1, MAX_LIST);
        DeadLetterQuery base = query(request, "-", limit);
        Mono<List<ObjectNode>> page = Flux.fromIterable(names)
                .concatMap(name -> bus.deadLetters().list(forSubscriber(base, name)))
                .take(limit)
                .map(letter -> letterJson(letter, false))
                .collectList();
        return Mono.zip(page, total(names, base)).flatMap(both -> {
            ObjectNode json = Json.object().put("count", both.getT1().size()).put("total", both.getT2());
            json.putArray("letters").addAll(both.getT1());
            return Http.sendJson(response, HttpResponseStatus.OK, json);
        });
    }

    Mono<Void> count(HttpServerRequest request, HttpServerResponse response) {
        String subscriber = Http.query(request, "subscriber");
        List<String> names = subscriber == null ? List.copyOf(subscribers) : List.of(known(subscriber));
        DeadLetterQuery base = query(request, "-", DeadLetterQuery.DEFAULT_LIMIT);
        return Flux.fromIterable(names)
                .concatMap(name ->
                        bus.deadLetters().count(forSubscriber(base, name)).map(n -> Map.entry(name, n)))
                .collectList()
                .flatMap(counts -> {
                    ObjectNode json = Json.object()
                            .put(
                                    "total",
                                    counts.stream()
                                            .mapToLong(Map.Entry::getValue)
                                            .sum())
                            .put("parked", base.parked());
                    ObjectNode by = json.putObject("subscribers");
                    counts.forEach(e -> by.put(e.getKey(), e.getValue()));
                    return Http.sendJson(response, HttpResponseStatus.OK, json);
                });
    }

    Mono<Void> purge(HttpServerRequest request, HttpServerResponse response) {
        admin.check(request);
        String subscriber = known(String.valueOf(request.param("subscriber")));
        return bus.deadLetters()
                .purge(subscriber)
                .flatMap(purged -> Http.sendJson(
                        response,
                        HttpResponseStatus.OK,
                        Json.object().put("subscriber", subscriber).put("purged", purged)));
    }

    private Mono<Long> total(List<String> names, DeadLetterQuery base) {
        return Flux.fromIterable(names)
                .concatMap(name -> bus.deadLetters().count(forSubscriber(base, name)))
                .reduce(0L, Long::sum);
    }

    private static DeadLetterQuery forSubscriber(DeadLetterQuery base, String name) {
        return new DeadLetterQuery(
                name, base.eventType(), base.reason(), base.from(), base.to(), base.parked(), 0, base.limit(), false);
    }

    Mono<Void> get(HttpServerRequest request, HttpServerResponse response) {
        String subscriber = known(String.valueOf(request.param("subscriber")));
        String id = String.valueOf(request.param("id"));
        return bus.deadLetters()
                .get(subscriber, id)
                .switchIfEmpty(Mono.error(() -> noLetter(subscriber, id)))
                .flatMap(letter -> Http.sendJson(response, HttpResponseStatus.OK, letterJson(letter, true)));
    }

    Mono<Void> delete(HttpServerRequest request, HttpServerResponse response) {
        admin.check(request);
        String subscriber = known(String.valueOf(request.param("subscriber")));
        String id = String.valueOf(request.param("id"));
        return bus.deadLetters()
                .delete(subscriber, id)
                .flatMap(deleted -> deleted
                        ? response.status(HttpResponseStatus.NO_CONTENT).send()
                        : Mono.error(noLetter(subscriber, id)));
    }

    Mono<Void> redrive(HttpServerRequest request, HttpServerResponse response) {
        admin.check(request);
        String subscriber = known(String.valueOf(request.param("subscriber")));
        int limit = Http.intQuery(request, "limit", DeadLetterQuery.DEFAULT_LIMIT, 1, DeadLetterQuery.MAX_LIMIT);
        Flux<RedriveResult> results = bus.redrive(query(request, subscriber, limit));
        return response.status(HttpResponseStatus.OK)
                .header(HttpHeaderNames.CONTENT_TYPE, "application/x-ndjson")
                .sendString(results.map(result -> resultJson(result) + "\n"))
                .then();
    }

    private DeadLetterQuery query(HttpServerRequest request, String subscriber, int limit) {
        Instant from = instant(request, "from");
        Instant to = instant(request, "to");
        if (from != null && to != null && !from.isBefore(to)) {
            throw Problem.badRequest("from (" + from + ") must be before to (" + to + ")")
                    .raise();
        }
        return DeadLetterQuery.of(subscriber)
                .withEventType(Http.query(request, "type"))
                .withReason(reason(Http.query(request, "reason")))
                .withParked(Http.booleanQuery(request, "parked"))
                .withTimeRange(from, to)
                .withPage(0, limit);
    }

    /** Return query parameter {@code name} as an ISO-8601 instant, or null; a {@code 400} if it is not one. */
    private static @Nullable Instant instant(HttpServerRequest request, String name) {
        String value = Http.query(request, name);
        if (value == null) {
            return null;
        }
        try {
            return Instant.parse(value);
        } catch (DateTimeParseException e) {
            throw Problem.badRequest(
                            name + " must be an ISO-8601 instant like 2026-12-02T06:00:00Z, but was '" + value + "'")
                    .raise();
        }
    }

    private String known(String subscriber) {
        if (!subscribers.contains(subscriber)) {
            throw Problem.notFound("no subscriber '" + subscriber + "'; known: " + subscribers)
                    .raise();
        }
        return subscriber;
    }

    private static @Nullable DeadLetterReason reason(@Nullable String value) {
        if (value == null) {
            return null;
        }
        try {
            return DeadLetterReason.valueOf(value.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw Problem.badRequest(
                            "reason must be one of " + List.of(DeadLetterReason.values()) + ", but was '" + value + "'")
                    .raise();
        }
    }

    private static Problem.Raised noLetter(String subscriber, String id) {
        return Problem.notFound("subscriber '" + subscriber + "' has no dead letter '" + id + "'")
                .raise();
    }

    static ObjectNode letterJson(DeadLetter letter, boolean full) {
        ObjectNode json = Json.object()
                .put("letterId", letter.letterId())
                .put("subscriber", letter.subscriber())
                .put("eventId", letter.eventId())
                .put("eventType", letter.eventType())
                .put("eventKey", letter.eventKey())
                .put("reason", letter.reason().name())
                .put("errorClass", letter.errorClass())
                .put("errorMessage", letter.errorMessage())
                .put("causeClass", letter.causeClass())
                .put("attempts", letter.attempts())
                .put("redriveCount", letter.redriveCount())
                .put("publishedAt", Json.time(letter.publishedAt()))
                .put("deadLetteredAt", Json.time(letter.deadLetteredAt()))
                .put("lastFailedAt", Json.time(letter.lastFailedAt()))
                .put("instance", letter.instance());
        json.set("payload", Json.payload(letter.payload()));
        if (full) {
            ObjectNode headers = json.putObject("headers");
            letter.headers().forEach(headers::put);
            json.put("stackTrace", letter.stackTrace());
        }
        return json;
    }

    static String resultJson(RedriveResult result) {
        return Json.object()
                .put("subscriber", result.subscriber())
                .put("letterId", result.letterId())
                .put("eventId", result.eventId())
                .put("status", result.status().name())
                .put("redriveCount", result.redriveCount())
                .put("reason", result.reason() == null ? null : result.reason().name())
                .put("error", result.error())
                .toString();
    }
}
