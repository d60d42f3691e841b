package dev.sluice.spring.app;

import dev.sluice.bus.EventBus;
import dev.sluice.bus.EventType;
import dev.sluice.bus.PublishReceipt;
import dev.sluice.spring.SluiceListener;
import java.util.Map;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Mono;

/** A small WebFlux shop on the starter: a controller publishes {@code order.placed}, a listener calls downstream. */
@SpringBootApplication
public class ShopApplication {

    /** The event type, keyed by order id. */
    public static final EventType<OrderPlaced> ORDER_PLACED =
            EventType.of("order.placed", OrderPlaced.class).withKey(OrderPlaced::id);

    public static void main(String[] args) {
        SpringApplication.run(ShopApplication.class, args);
    }

    @Bean
    EventType<OrderPlaced> orderPlaced() {
        return ORDER_PLACED;
    }

    @Bean
    WebClient downstream(@Value("${shop.downstream-url}") String url) {
        return WebClient.create(url);
    }

    @RestController
    static class Orders {
        private final EventBus bus;

        Orders(EventBus bus) {
            this.bus = bus;
        }

        @PostMapping("/orders")
        @ResponseStatus(HttpStatus.ACCEPTED)
        Mono<Map<String, String>> place(@RequestBody OrderPlaced order) {
            return bus.publish(ORDER_PLACED, order).map(PublishReceipt::eventId).map(id -> Map.of("eventId", id));
        }
    }

    /** Reserves stock downstream, under the policy {@code sluice.subscribers.inventory.policy} names. */
    @Component
    static class Inventory {
        private final WebClient downstream;

        Inventory(WebClient downstream) {
            this.downstream = downstream;
        }

        @SluiceListener(subscriber = "inventory", type = "order.placed")
        Mono<Void> reserve(OrderPlaced order) {
            return downstream
                    .post()
                    .uri("/reserve")
                    .bodyValue(order)
                    .retrieve()
                    .toBodilessEntity()
                    .then();
        }
    }
}
