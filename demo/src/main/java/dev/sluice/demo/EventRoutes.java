package dev.sluice.demo;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.bus.BusClosedException;
import dev.sluice.bus.EventBus;
import dev.sluice.bus.EventType;
import dev.sluice.bus.InvalidEventException;
import dev.sluice.bus.PublishReceipt;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.Map;
import reactor.core.publisher.Mono;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

/**
 * {@code POST /events/{type}}: publish one event, answer {@code 202} with its id once every subscriber's inbox took it
 * (or dead-lettered it on overflow). Everything a {@code 4xx} can be about is checked before {@code publish}, so
 * nothing is enqueued for a bad request: unknown type {@code 404}; wrong content type, malformed JSON, invalid
 * payload {@code 400}; body over 64 KiB {@code 413}. A closed bus answers {@code 503}.
 */
final class EventRoutes {

    private final Map<String, EventType<?>> types;
    private final EventBus bus;

    /** Publish to {@code bus} the demo's {@code orders} type (durable or in-process). */
    EventRoutes(EventBus bus, EventType<Order> orders) {
        this.bus = bus;
        this.types = Map.of(orders.name(), orders);
    }

    Mono<Void> publish(HttpServerRequest request, HttpServerResponse response) {
        String name = String.valueOf(request.param("type"));
        EventType<?> type = types.get(name);
        if (type == null) {
            return Mono.error(Problem.notFound("no event type '" + name + "'; known: " + types.keySet())
                    .raise());
        }
        return Http.jsonBody(request)
                .flatMap(json -> publish(type, json))
                .flatMap(receipt -> Http.sendJson(
                        response,
                        HttpResponseStatus.ACCEPTED,
                        Json.object()
                                .put("id", receipt.eventId())
                                .put("type", name)
                                .put("subscribers", receipt.routed())));
    }

    private <T> Mono<PublishReceipt> publish(EventType<T> type, JsonNode json) {
        if (!json.isObject()) {
            return Mono.error(
                    Problem.badRequest("the body must be a JSON object").raise());
        }
        T payload;
        try {
            payload = Json.MAPPER.treeToValue(json, type.payloadType());
        } catch (JsonProcessingException | IllegalArgumentException e) {
            String message = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
            return Mono.error(Problem.badRequest("not a valid " + type.name() + " payload: " + message)
                    .raise());
        }
        String violation = type.violationOf(payload);
        if (violation != null) {
            return Mono.error(Problem.badRequest("invalid " + type.name() + ": " + violation)
                    .raise());
        }
        return bus.publish(type, payload)
                .onErrorMap(e -> e instanceof BusClosedException
                        ? new Problem(503, "Service Unavailable", "the event bus is closed").raise()
                        : e instanceof InvalidEventException
                                ? Problem.badRequest(String.valueOf(e.getMessage()))
                                        .raise()
                                : e);
    }
}
