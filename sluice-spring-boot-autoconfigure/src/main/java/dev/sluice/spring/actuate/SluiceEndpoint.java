package dev.sluice.spring.actuate;

import dev.sluice.bus.DeadLetter;
import dev.sluice.bus.DeadLetterQuery;
import dev.sluice.bus.DeadLetterReason;
import dev.sluice.bus.DeadLetterStore;
import dev.sluice.bus.EventBus;
import dev.sluice.bus.RedriveResult;
import dev.sluice.bus.SubscriberHealth;
import dev.sluice.bus.SubscriberStats;
import dev.sluice.bus.redis.JsonPayload;
import dev.sluice.spring.SluiceLifecycle;
import dev.sluice.spring.SluiceSubscriber;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.actuate.endpoint.InvalidEndpointRequestException;
import org.springframework.boot.actuate.endpoint.SecurityContext;
import org.springframework.boot.actuate.endpoint.Show;
import org.springframework.boot.actuate.endpoint.annotation.DeleteOperation;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;
import org.springframework.util.ClassUtils;
import reactor.core.publisher.Mono;

/**
 * The {@code sluice} actuator endpoint. Exposed and secured like any endpoint ({@code
 * management.endpoints.web.exposure.include=sluice}); over HTTP:
 *
 * <ul>
 *   <li>{@code GET /actuator/sluice}: every subscriber's accounting, health and breaker state, and the store's health;
 *   <li>{@code GET /actuator/sluice/{subscriber}?type=&reason=&from=&to=&parked=&offset=&limit=}: the count and a page
 *       of the subscriber's dead letters, filtered by event type, reason, and a time range on {@code deadLetteredAt}
 *       (ISO-8601, {@code from} inclusive, {@code to} exclusive);
 *   <li>{@code GET /actuator/sluice/{subscriber}/{letterId}}: one letter (404 if none);
 *   <li>{@code POST /actuator/sluice/{subscriber}} (write): redrive the subscriber's letters matching {@code type},
 *       {@code reason} and {@code limit} through its own chain ({@link EventBus#redrive}); one result per letter;
 *   <li>{@code DELETE /actuator/sluice/{subscriber}/{letterId}} (delete): delete one letter.
 * </ul>
 *
 * Payloads, headers, error messages and stack traces are shown only as {@code management.endpoint.sluice.show-values}
 * allows (default {@code never}; masked as {@value #MASK}), as Boot's {@code env} endpoint does with values.
 */
@Endpoint(id = "sluice")
public final class SluiceEndpoint {

    /** What a hidden value shows. */
    public static final String MASK = "******";

    private static final boolean REDIS_PAYLOADS =
            ClassUtils.isPresent("dev.sluice.bus.redis.JsonPayload", SluiceEndpoint.class.getClassLoader());

    private final EventBus bus;
    private final SluiceLifecycle lifecycle;
    private final SluiceEndpointProperties properties;

    /**
     * Create the endpoint.
     *
     * @param bus the bus (its store and redrive)
     * @param lifecycle where the subscribers are
     * @param properties when values are shown
     */
    public SluiceEndpoint(EventBus bus, SluiceLifecycle lifecycle, SluiceEndpointProperties properties) {
        this.bus = Objects.requireNonNull(bus, "bus");
        this.lifecycle = Objects.requireNonNull(lifecycle, "lifecycle");
        this.properties = Objects.requireNonNull(properties, "properties");
    }

    /** Return every subscriber's stats, health and breaker state, and the store's health. */
    @ReadOperation
    public Map<String, Object> subscribers() {
        Map<String, Object> subscribers = new TreeMap<>();
        for (SluiceSubscriber s : lifecycle.subscribers()) {
            Map<String, Object> one = new LinkedHashMap<>();
            one.put("eventType", s.eventType());
            SubscriberStats stats = s.handle().stats();
            one.put("stats", stats);
            SubscriberHealth health = s.handle().health();
            one.put("health", Map.of("status", health.status().name(), "reason", health.reason()));
            CircuitBreaker breaker = s.policy().circuitBreaker();
            one.put("breaker", breaker == null ? "none" : breaker.getState().name());
            one.put("policy", s.policy().name());
            subscribers.put(s.name(), one);
        }
        DeadLetterStore.StoreHealth store = bus.deadLetters().health();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("subscribers", subscribers);
        body.put("deadLetterStore", Map.of("status", store.status().name(), "reason", store.reason()));
        return body;
    }

    /**
     * Return the count and a page of {@code subscriber}'s dead letters matching the filters.
     *
     * @return a {@code Mono} of {@code {subscriber, count, letters}}; an invalid filter is HTTP 400
     */
    @ReadOperation
    public Mono<Map<String, Object>> letters(
            SecurityContext security,
            @Selector String subscriber,
            @Nullable String type,
            @Nullable String reason,
            @Nullable String from,
            @Nullable String to,
            @Nullable Boolean parked,
            @Nullable Integer offset,
            @Nullable Integer limit) {
        DeadLetterQuery query = query(subscriber, type, reason, from, to, parked, offset, limit);
        boolean show = shown(security);
        DeadLetterStore store = bus.deadLetters();
        return store.count(query)
                .zipWith(store.list(query).map(l -> view(l, show)).collectList(), (count, page) -> {
                    Map<String, Object> body = new LinkedHashMap<>();
                    body.put("subscriber", subscriber);
                    body.put("count", count);
                    body.put("offset", query.offset());
                    body.put("letters", page);
                    return body;
                });
    }

    /** Return one letter, or an empty {@code Mono} (HTTP 404) if {@code subscriber} has none with that id. */
    @ReadOperation
    public Mono<Map<String, Object>> letter(
            SecurityContext security, @Selector String subscriber, @Selector String letterId) {
        boolean show = shown(security);
        return bus.deadLetters().get(subscriber, letterId).map(l -> view(l, show));
    }

    /**
     * Redrive {@code subscriber}'s letters matching the filters (at most {@code limit}, default 100).
     *
     * @return a {@code Mono} of {@code {subscriber, redriven, outcomes, results}} when every matched letter has a
     *     result; HTTP 400 if no such subscriber is on the bus or a filter is invalid
     */
    @WriteOperation
    public Mono<Map<String, Object>> redrive(
            @Selector String subscriber,
            @Nullable String type,
            @Nullable String reason,
            @Nullable Boolean parked,
            @Nullable Integer limit) {
        if (lifecycle.subscriber(subscriber).isEmpty()) {
            throw new InvalidEndpointRequestException(
                    "no subscriber named '" + subscriber + "' on the bus", "unknown subscriber");
        }
        DeadLetterQuery query = query(subscriber, type, reason, null, null, parked, null, limit);
        return bus.redrive(query).collectList().map(results -> {
            Map<String, Long> outcomes = new TreeMap<>();
            results.forEach(r -> outcomes.merge(r.status().name(), 1L, Long::sum));
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("subscriber", subscriber);
            body.put("redriven", results.size());
            body.put("outcomes", outcomes);
            body.put("results", results.stream().map(SluiceEndpoint::view).toList());
            return body;
        });
    }

    /** Delete one letter; emits {@code {deleted: true|false}}. */
    @DeleteOperation
    public Mono<Map<String, Object>> delete(@Selector String subscriber, @Selector String letterId) {
        return bus.deadLetters()
                .delete(subscriber, letterId)
                .map(deleted -> Map.of("subscriber", subscriber, "letterId", letterId, "deleted", deleted));
    }

    private boolean shown(SecurityContext security) {
        Show show = properties.showValues();
        return show.isShown(security, properties.roles());
    }

    private static DeadLetterQuery query(
            String subscriber,
            @Nullable String type,
            @Nullable String reason,
            @Nullable String from,
            @Nullable String to,
            @Nullable Boolean parked,
            @Nullable Integer offset,
            @Nullable Integer limit) {
        try {
            return DeadLetterQuery.of(subscriber)
                    .withEventType(type)
                    .withReason(reason == null ? null : DeadLetterReason.valueOf(reason.toUpperCase(Locale.ROOT)))
                    .withTimeRange(instant(from), instant(to))
                    .withParked(parked != null && parked)
                    .withPage(offset == null ? 0 : offset, limit == null ? DeadLetterQuery.DEFAULT_LIMIT : limit);
        } catch (IllegalArgumentException | DateTimeParseException e) {
            throw new InvalidEndpointRequestException(String.valueOf(e.getMessage()), "invalid filter");
        }
    }

    private static @Nullable Instant instant(@Nullable String text) {
        return text == null ? null : Instant.parse(text);
    }

    private static Map<String, Object> view(DeadLetter l, boolean show) {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("letterId", l.letterId());
        v.put("eventId", l.eventId());
        v.put("eventType", l.eventType());
        v.put("eventKey", l.eventKey() == null ? "" : l.eventKey());
        v.put("subscriber", l.subscriber());
        v.put("reason", l.reason().name());
        v.put("attempts", l.attempts());
        v.put("redriveCount", l.redriveCount());
        v.put("publishedAt", l.publishedAt().toString());
        v.put("deadLetteredAt", l.deadLetteredAt().toString());
        v.put("lastFailedAt", l.lastFailedAt().toString());
        v.put("errorClass", nonNull(l.errorClass()));
        v.put("causeClass", nonNull(l.causeClass()));
        v.put("instance", l.instance());
        v.put("errorMessage", show ? nonNull(l.errorMessage()) : MASK);
        v.put("payload", show ? payload(l.payload()) : MASK);
        v.put("headers", show ? l.headers() : MASK);
        v.put("stackTrace", show ? nonNull(l.stackTrace()) : MASK);
        return v;
    }

    private static Object payload(Object payload) {
        return REDIS_PAYLOADS ? RedisPayloads.text(payload) : payload.toString();
    }

    private static Map<String, Object> view(RedriveResult r) {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("letterId", r.letterId());
        v.put("eventId", r.eventId());
        v.put("status", r.status().name());
        v.put("redriveCount", r.redriveCount());
        v.put("reason", r.reason() == null ? "" : r.reason().name());
        return v;
    }

    private static String nonNull(@Nullable String s) {
        return s == null ? "" : s;
    }

    /** Loaded only when the Redis store is present: its letters carry their payload as JSON text. */
    private static final class RedisPayloads {
        static String text(Object payload) {
            return payload instanceof JsonPayload json ? json.json() : payload.toString();
        }
    }
}
