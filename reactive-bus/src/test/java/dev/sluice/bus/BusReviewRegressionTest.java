package dev.sluice.bus;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/** Regressions for defects found in review. */
class BusReviewRegressionTest {

    private static final EventType<String> PLACED = EventType.of("order.placed", String.class);

    private final InMemoryDeadLetterStore store = InMemoryDeadLetterStore.create();
    private final EventBus bus = EventBus.builder().deadLetterStore(store).build();

    @Test
    void disposeFinishesEvenWhenNobodySubscribesToIt() {
        SubscriberHandle hung = bus.subscribe(SubscriberSpec.builder("hung", PLACED, e -> Mono.never())
                .disposeGrace(Duration.ofMillis(20))
                .build());
        StepVerifier.create(bus.publishAll(PLACED, Flux.just("a", "b", "c")))
                .expectNextCount(3)
                .verifyComplete();

        hung.dispose(); // not subscribed: shutdown must still run to the end

        StepVerifier.create(Flux.interval(Duration.ofMillis(1))
                        .filter(t -> hung.stats().inFlight() == 0)
                        .next())
                .expectNextCount(1)
                .expectComplete()
                .verify(Duration.ofSeconds(5));
        assertThat(hung.stats()).isEqualTo(new SubscriberStats(3, 0, 0, 3, 0, 0));
    }

    @Test
    void fallbackThrowingAnErrorIsAFallbackFailedLetterNotADelivery() {
        SubscriberHandle handle = bus.subscribe(SubscriberSpec.builder(
                        "asserting", PLACED, e -> Mono.error(new IllegalStateException("handler failed")))
                .fallback((event, failure) -> {
                    throw new AssertionError("fallback bug");
                })
                .build());

        StepVerifier.create(bus.publish(PLACED, "o-1").then(bus.whenIdle()))
                .expectComplete()
                .verify(Duration.ofSeconds(5));

        assertThat(handle.stats()).isEqualTo(new SubscriberStats(1, 0, 0, 1, 0, 0));
        StepVerifier.create(store.list(DeadLetterQuery.of("asserting")))
                .assertNext(letter -> {
                    assertThat(letter.reason()).isEqualTo(DeadLetterReason.FALLBACK_FAILED);
                    assertThat(letter.errorMessage()).isEqualTo("fallback bug");
                    assertThat(letter.causeClass()).isEqualTo(IllegalStateException.class.getName());
                })
                .verifyComplete();
    }
}
