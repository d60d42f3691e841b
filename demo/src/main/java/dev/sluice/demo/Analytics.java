package dev.sluice.demo;

import dev.sluice.bus.Event;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import reactor.core.publisher.Mono;

/**
 * The {@code analytics} subscriber's handler: slow on purpose (a timer per event, no thread held), counting units
 * sold per SKU. With its small {@code DEAD_LETTER}-overflow inbox it shows isolation: under load it overflows into
 * dead letters instead of slowing anyone.
 */
final class Analytics {

    private final Duration work;
    private final Map<String, LongAdder> unitsBySku = new ConcurrentHashMap<>();

    Analytics(Duration work) {
        this.work = work;
    }

    Mono<Void> record(Event<Order> event) {
        Order order = event.payload();
        return Mono.delay(work)
                .doOnNext(tick -> unitsBySku
                        .computeIfAbsent(String.valueOf(order.sku()), sku -> new LongAdder())
                        .add(order.quantity()))
                .then();
    }
}
