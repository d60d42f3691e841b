package dev.sluice.demo;

import dev.sluice.bus.Event;
import reactor.core.publisher.Mono;

/**
 * The {@code email} subscriber's handler: send the order confirmation through the downstream mail endpoint. No
 * fallback: what fails for good becomes a dead letter, redriven on the subscriber's schedule; mail to
 * {@code @bounce.example} never arrives, so those letters end parked.
 */
final class Email {

    private final DownstreamClient downstream;

    Email(DownstreamClient downstream) {
        this.downstream = downstream;
    }

    Mono<Void> sendConfirmation(Event<Order> event) {
        Order order = event.payload();
        String json = Json.object()
                .put("to", order.customerEmail())
                .put("orderId", order.orderId())
                .put("subject", "Your order " + order.orderId())
                .toString();
        return downstream.post("/email", json, event.id()).then();
    }
}
