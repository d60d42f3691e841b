package dev.sluice.demo;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.sluice.bus.Event;
import dev.sluice.policy.Failure;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import reactor.core.publisher.Mono;

/**
 * The {@code inventory} subscriber's handler and fallback: reserve stock by asking the downstream for it, and when
 * that fails for good, fall back to the last stock it reported for the SKU (an order for a SKU never seen fails the
 * fallback too, so it becomes a {@code FALLBACK_FAILED} dead letter).
 */
final class Inventory {

    private final DownstreamClient downstream;
    private final Map<String, Integer> lastKnownStock = new ConcurrentHashMap<>();

    Inventory(DownstreamClient downstream) {
        this.downstream = downstream;
    }

    Mono<Void> reserve(Event<Order> event) {
        String sku = String.valueOf(event.payload().sku());
        return downstream
                .get("/stock/" + URLEncoder.encode(sku, StandardCharsets.UTF_8), event.id())
                .map(body -> {
                    try {
                        return Json.MAPPER.readTree(body).path("available").asInt();
                    } catch (JsonProcessingException e) {
                        throw new IllegalStateException("inventory answered no JSON: " + e.getOriginalMessage());
                    }
                })
                .doOnNext(available -> lastKnownStock.put(sku, available))
                .then();
    }

    Mono<Void> useLastKnown(Event<Order> event, Failure failure) {
        String sku = String.valueOf(event.payload().sku());
        return lastKnownStock.containsKey(sku)
                ? Mono.empty()
                : Mono.error(new IllegalStateException("no stock known for " + sku + " to fall back on"));
    }
}
