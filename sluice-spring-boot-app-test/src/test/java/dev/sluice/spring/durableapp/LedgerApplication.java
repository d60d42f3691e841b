package dev.sluice.spring.durableapp;

import dev.sluice.bus.EventBus;
import dev.sluice.bus.EventType;
import dev.sluice.bus.PublishReceipt;
import dev.sluice.spring.SluiceListener;
import java.util.Map;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * A WebFlux ledger on the starter with a durable event type: a controller publishes {@code entry.posted} to its Redis
 * partition stream, a listener reads it back through the transport. Its own package, so the shop's component scan
 * does not pick it up.
 */
@SpringBootApplication
public class LedgerApplication {

    /** The durable event type (16 partitions), keyed by account. */
    public static final EventType<EntryPosted> POSTED = EventType.of("entry.posted", EntryPosted.class)
            .withKey(EntryPosted::account)
            .durable();

    @Bean
    EventType<EntryPosted> entryPosted() {
        return POSTED;
    }

    @RestController
    static class Entries {
        private final EventBus bus;

        Entries(EventBus bus) {
            this.bus = bus;
        }

        @PostMapping("/entries")
        @ResponseStatus(HttpStatus.ACCEPTED)
        Mono<Map<String, String>> post(@RequestBody EntryPosted entry) {
            return bus.publish(POSTED, entry).map(PublishReceipt::eventId).map(id -> Map.of("eventId", id));
        }
    }

    /** Books every entry it receives; the test reads {@link #booked}. */
    @Component
    static class Ledger {
        final Sinks.Many<EntryPosted> booked = Sinks.many().replay().all();

        @SluiceListener(subscriber = "ledger", type = "entry.posted")
        Mono<Void> book(EntryPosted entry) {
            booked.tryEmitNext(entry).orThrow(); // one at a time: concurrency 1
            return Mono.empty();
        }
    }
}
