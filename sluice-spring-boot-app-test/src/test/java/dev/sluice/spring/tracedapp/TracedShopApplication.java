package dev.sluice.spring.tracedapp;

import brave.handler.MutableSpan;
import brave.handler.SpanHandler;
import brave.propagation.TraceContext;
import dev.sluice.bus.EventBus;
import dev.sluice.bus.EventType;
import dev.sluice.bus.PublishReceipt;
import dev.sluice.spring.SluiceListener;
import io.micrometer.observation.ObservationRegistry;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Mono;

/**
 * A WebFlux application traced with Brave (Boot's micrometer-tracing auto-configuration): a request publishes {@code
 * payment.requested}, whose listener calls a downstream service with a {@code WebClient} observed in the application's
 * {@code ObservationRegistry}. Every finished span is kept in {@link Spans}.
 */
@SpringBootApplication
public class TracedShopApplication {

    /** The event type. */
    public static final EventType<String> PAYMENT_REQUESTED = EventType.of("payment.requested", String.class);

    @Bean
    EventType<String> paymentRequested() {
        return PAYMENT_REQUESTED;
    }

    /** The gateway's client, observed in the application's registry (so a tracing bridge makes its spans). */
    @Bean
    WebClient gateway(ObservationRegistry observations, @Value("${shop.gateway-url}") String url) {
        return WebClient.builder()
                .observationRegistry(observations)
                .baseUrl(url)
                .build();
    }

    /** Keeps every span Brave finishes, as a reporter would send them. */
    @Bean
    Spans spans() {
        return new Spans();
    }

    /** The finished spans, in the order they ended. */
    static final class Spans extends SpanHandler {
        final Queue<MutableSpan> finished = new ConcurrentLinkedQueue<>();

        @Override
        public boolean end(TraceContext context, MutableSpan span, Cause cause) {
            if (cause == Cause.FINISHED) {
                finished.add(span);
            }
            return true;
        }
    }

    @RestController
    static class Payments {
        private final EventBus bus;

        Payments(EventBus bus) {
            this.bus = bus;
        }

        @PostMapping("/payments/{id}")
        @ResponseStatus(HttpStatus.ACCEPTED)
        Mono<String> request(@PathVariable String id) {
            return bus.publish(PAYMENT_REQUESTED, id).map(PublishReceipt::eventId);
        }
    }

    /** Charges each payment at the gateway. */
    @Component
    static class Charger {
        private final WebClient gateway;

        Charger(WebClient gateway) {
            this.gateway = gateway;
        }

        @SluiceListener(subscriber = "charger", type = "payment.requested")
        Mono<Void> charge(String id) {
            return gateway.post()
                    .uri("/charge/{id}", id)
                    .retrieve()
                    .toBodilessEntity()
                    .then();
        }
    }
}
