package dev.sluice.spring;

import dev.sluice.bus.Event;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import reactor.core.publisher.Mono;

/** Test beans: a payload, listeners right and wrong. */
final class Fixtures {

    private Fixtures() {}

    record OrderPlaced(String id, Instant at) {}

    /** Records every payload; fails those whose id starts with "bad". */
    static class Inventory {
        final List<OrderPlaced> seen = new CopyOnWriteArrayList<>();

        @SluiceListener(subscriber = "inventory", type = "order.placed")
        Mono<Void> reserve(OrderPlaced order) {
            if (order.id().startsWith("bad")) {
                return Mono.error(new IllegalArgumentException("bad order " + order.id()));
            }
            seen.add(order);
            return Mono.empty();
        }
    }

    /** A void listener taking the envelope. */
    static class Audit {
        final List<String> ids = new CopyOnWriteArrayList<>();

        @SluiceListener(subscriber = "audit", type = "order.placed")
        void record(Event<OrderPlaced> event) {
            ids.add(event.payload().id());
        }
    }

    static class ReturnsString {
        @SluiceListener(subscriber = "wrong", type = "order.placed")
        String handle(OrderPlaced order) {
            return order.id();
        }
    }

    static class TwoParameters {
        @SluiceListener(subscriber = "wrong", type = "order.placed")
        Mono<Void> handle(OrderPlaced order, String extra) {
            return Mono.empty();
        }
    }
}
