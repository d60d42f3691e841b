package dev.sluice.demo;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.bus.Event;
import dev.sluice.bus.SystemEvents;
import dev.sluice.policy.HttpStatusException;
import io.netty.handler.codec.http.HttpHeaderNames;
import java.time.Duration;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufMono;
import reactor.netty.http.client.HttpClient;

/**
 * The {@code alerts} subscribers' handler: Sluice's own system events (breaker state changes, parked letters) as JSON,
 * POSTed to {@code SLUICE_WEBHOOK_URL} when set, else logged. Thread-safe.
 */
final class Alerts {

    private static final Logger log = LoggerFactory.getLogger("dev.sluice.demo.alerts");

    private final @Nullable String webhookUrl;
    private final boolean quiet;
    private final HttpClient http = HttpClient.create().responseTimeout(Duration.ofSeconds(2));

    /**
     * @param webhookUrl where to POST alerts, or null to log them
     * @param quiet log alerts at debug instead of info (the scenario parks hundreds of letters on purpose)
     */
    Alerts(@Nullable String webhookUrl, boolean quiet) {
        this.webhookUrl = webhookUrl == null || webhookUrl.isBlank() ? null : webhookUrl;
        this.quiet = quiet;
    }

    Mono<Void> breakerChanged(Event<SystemEvents.CircuitStateChanged> event) {
        SystemEvents.CircuitStateChanged change = event.payload();
        ObjectNode json = Json.object()
                .put("alert", event.type().name())
                .put("subscriber", change.subscriber())
                .put("from", change.from())
                .put("to", change.to())
                .put("at", Json.time(change.at()));
        return send(json, "breaker of " + change.subscriber() + ": " + change.from() + " -> " + change.to());
    }

    Mono<Void> letterParked(Event<SystemEvents.DeadLetterParked> event) {
        SystemEvents.DeadLetterParked parked = event.payload();
        ObjectNode json = Json.object()
                .put("alert", event.type().name())
                .put("subscriber", parked.subscriber())
                .put("letterId", parked.letterId())
                .put("eventId", parked.eventId())
                .put("eventType", parked.eventType())
                .put("reason", parked.reason().name())
                .put("redriveCount", parked.redriveCount())
                .put("at", Json.time(parked.at()));
        return send(
                json,
                "dead letter " + parked.letterId() + " of " + parked.subscriber() + " parked (" + parked.reason() + ", "
                        + parked.redriveCount() + " redrives)");
    }

    private Mono<Void> send(ObjectNode json, String text) {
        String url = webhookUrl;
        if (url == null) {
            if (quiet) {
                log.debug("ALERT {}", text);
            } else {
                log.info("ALERT {}", text);
            }
            return Mono.empty();
        }
        return http.headers(h -> h.set(HttpHeaderNames.CONTENT_TYPE, "application/json"))
                .post()
                .uri(url)
                .send(ByteBufMono.fromString(Mono.just(json.toString())))
                .responseSingle((response, body) -> {
                    int status = response.status().code();
                    return status >= 200 && status < 300
                            ? body.then()
                            : body.then(Mono.<Void>error(new HttpStatusException(status)));
                });
    }
}
