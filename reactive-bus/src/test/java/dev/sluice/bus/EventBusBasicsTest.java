package dev.sluice.bus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.policy.ResiliencePolicy;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

class EventBusBasicsTest {

    private static final EventType<String> PLACED = EventType.of("order.placed", String.class);

    private final InMemoryDeadLetterStore store = InMemoryDeadLetterStore.create();
    private final EventBus bus = EventBus.builder().deadLetterStore(store).build();

    @AfterEach
    void close() {
        StepVerifier.create(bus.close(Duration.ofSeconds(5))).verifyComplete();
    }

    @Test
    void deliversToEverySubscriberAndAccountsForEachEvent() {
        List<String> seen = new CopyOnWriteArrayList<>();
        bus.subscribe(SubscriberSpec.builder("a", PLACED, e -> Mono.fromRunnable(() -> seen.add("a:" + e.payload())))
                .build());
        bus.subscribe(SubscriberSpec.builder("b", PLACED, e -> Mono.fromRunnable(() -> seen.add("b:" + e.payload())))
                .build());

        StepVerifier.create(bus.publish(PLACED, "o-1"))
                .assertNext(receipt -> assertThat(receipt.delivered()).isEqualTo(2))
                .verifyComplete();
        StepVerifier.create(bus.close(Duration.ofSeconds(5))).verifyComplete();

        assertThat(seen).containsExactlyInAnyOrder("a:o-1", "b:o-1");
        assertThat(bus.stats().values()).isEmpty(); // closed subscribers are removed
    }

    @Test
    void failingHandlerBecomesADeadLetterWithItsReason() {
        SubscriberHandle handle = bus.subscribe(
                SubscriberSpec.builder("email", PLACED, e -> Mono.error(new IllegalStateException("smtp says no")))
                        .build());

        StepVerifier.create(bus.publish(PLACED, "k1", "o-2")).expectNextCount(1).verifyComplete();
        StepVerifier.create(bus.whenIdle().then(Mono.defer(handle::dispose)))
                .expectComplete()
                .verify(Duration.ofSeconds(5));

        assertThat(handle.stats()).isEqualTo(new SubscriberStats(1, 0, 0, 1, 0, 0));
        StepVerifier.create(store.list(DeadLetterQuery.of("email")))
                .assertNext(letter -> {
                    assertThat(letter.reason()).isEqualTo(DeadLetterReason.PERMANENT_ERROR);
                    assertThat(letter.errorMessage()).isEqualTo("smtp says no");
                    assertThat(letter.eventKey()).isEqualTo("k1");
                    assertThat(letter.payload()).isEqualTo("o-2");
                    assertThat(letter.attempts()).isEqualTo(1);
                })
                .verifyComplete();
    }

    @Test
    void fallbackRecoversAndSeesTheLastErrorAndAttempts() {
        List<String> failures = new CopyOnWriteArrayList<>();
        SubscriberHandle handle =
                bus.subscribe(SubscriberSpec.builder("inventory", PLACED, e -> Mono.error(new IOException("down")))
                        .policy(ResiliencePolicy.builder("inventory")
                                .retry(dev.sluice.policy.RetrySettings.builder()
                                        .maxAttempts(3)
                                        .minBackoff(Duration.ofMillis(1))
                                        .maxBackoff(Duration.ofMillis(1))
                                        .build())
                                .build())
                        .fallback((event, failure) -> Mono.fromRunnable(
                                () -> failures.add(failure.error().getMessage() + "/" + failure.attempts())))
                        .build());

        StepVerifier.create(bus.publish(PLACED, "o-3")).expectNextCount(1).verifyComplete();
        StepVerifier.create(bus.whenIdle().then(Mono.defer(handle::dispose)))
                .expectComplete()
                .verify(Duration.ofSeconds(5));

        assertThat(failures).containsExactly("down/3");
        assertThat(handle.stats()).isEqualTo(new SubscriberStats(1, 0, 1, 0, 0, 0));
    }

    @Test
    void handlerThatThrowsOrReturnsNullFailsOnlyThatEvent() {
        SubscriberHandle handle = bus.subscribe(SubscriberSpec.<String>builder("odd", PLACED, e -> {
                    if (e.payload().equals("throw")) {
                        throw new IllegalStateException("boom");
                    }
                    return e.payload().equals("null") ? null : Mono.empty();
                })
                .build());

        StepVerifier.create(bus.publishAll(PLACED, reactor.core.publisher.Flux.just("throw", "null", "fine")))
                .expectNextCount(3)
                .verifyComplete();
        StepVerifier.create(bus.whenIdle().then(Mono.defer(handle::dispose)))
                .expectComplete()
                .verify(Duration.ofSeconds(5));

        assertThat(handle.stats()).isEqualTo(new SubscriberStats(3, 1, 0, 2, 0, 0));
    }

    @Test
    void badInputIsRefusedWithNothingEnqueued() {
        EventType<String> unknown = EventType.of("order.unknown", String.class);
        EventType<String> validated = EventType.of("order.checked", String.class)
                .withValidator(payload -> payload.isEmpty() ? "must not be empty" : null);
        bus.register(validated);
        SubscriberHandle handle = bus.subscribe(
                SubscriberSpec.builder("checker", validated, e -> Mono.empty()).build());

        StepVerifier.create(bus.publish(unknown, "x"))
                .expectErrorSatisfies(e -> assertThat(e)
                        .isInstanceOf(InvalidEventException.class)
                        .hasMessageContaining("order.unknown")
                        .hasMessageContaining("not registered"))
                .verify();
        StepVerifier.create(bus.publish(validated, ""))
                .expectErrorSatisfies(e -> assertThat(e)
                        .isInstanceOf(InvalidEventException.class)
                        .hasMessageContaining("must not be empty"))
                .verify();
        assertThatThrownBy(() -> bus.publish(validated, null)).isInstanceOf(NullPointerException.class);
        assertThat(handle.stats().offered()).isZero();
    }

    @Test
    void handlersRunOnTheSubscribersThreadNotThePublishers() {
        List<Thread> handlerThreads = new CopyOnWriteArrayList<>();
        bus.subscribe(SubscriberSpec.builder(
                        "off-thread", PLACED, e -> Mono.fromRunnable(() -> handlerThreads.add(Thread.currentThread())))
                .build());

        StepVerifier.create(bus.publish(PLACED, "o-4").then(bus.whenIdle()))
                .expectComplete()
                .verify(Duration.ofSeconds(5));

        assertThat(handlerThreads).singleElement().isNotSameAs(Thread.currentThread());
    }

    @Test
    void duplicateSubscriberNameIsRejected() {
        bus.subscribe(SubscriberSpec.builder("twice", PLACED, e -> Mono.empty()).build());

        assertThatThrownBy(() -> bus.subscribe(SubscriberSpec.builder("twice", PLACED, e -> Mono.empty())
                        .build()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("'twice'");
    }
}
