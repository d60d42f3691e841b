package dev.sluice.bus;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.policy.ResiliencePolicy;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

class SystemEventsTest {

    private static final EventType<String> PLACED = EventType.of("order.placed", String.class);

    private final InMemoryDeadLetterStore store = InMemoryDeadLetterStore.create();
    private final EventBus bus = EventBus.builder().deadLetterStore(store).build();

    @AfterEach
    void close() {
        StepVerifier.create(bus.close(Duration.ofSeconds(5))).verifyComplete();
    }

    @Test
    void deadLetterRecordedIsPublishedOnTheBus() {
        List<SystemEvents.DeadLetterRecorded> recorded = new CopyOnWriteArrayList<>();
        bus.subscribe(SubscriberSpec.builder(
                        "audit",
                        SystemEvents.DEAD_LETTER_RECORDED,
                        e -> Mono.fromRunnable(() -> recorded.add(e.payload())))
                .build());
        bus.subscribe(SubscriberSpec.builder("email", PLACED, e -> Mono.error(new IllegalStateException("no")))
                .build());

        StepVerifier.create(bus.publish(PLACED, "o-1")).expectNextCount(1).verifyComplete();
        StepVerifier.create(bus.whenIdle()).expectComplete().verify(Duration.ofSeconds(5));

        assertThat(recorded).singleElement().satisfies(r -> {
            assertThat(r.subscriber()).isEqualTo("email");
            assertThat(r.reason()).isEqualTo(DeadLetterReason.PERMANENT_ERROR);
            assertThat(r.eventType()).isEqualTo("order.placed");
        });
    }

    @Test
    void systemEventsNeverWaitAndDropsAreCounted() {
        // a hung, one-slot system subscriber: it takes the first event and hangs, the second fills the inbox, the
        // rest are dropped
        EventSpy<SystemEvents.DeadLetterRecorded> spy = EventSpy.create();
        SubscriberHandle hung = bus.subscribe(
                SubscriberSpec.builder("hung-audit", SystemEvents.DEAD_LETTER_RECORDED, spy.wrap(e -> Mono.never()))
                        .inboxSize(1)
                        .disposeGrace(Duration.ofMillis(50))
                        .build());
        bus.subscribe(SubscriberSpec.builder("email", PLACED, e -> Mono.error(new IllegalStateException("no")))
                .build());
        StepVerifier.create(bus.publish(PLACED, "o-0").then(spy.awaitCalls(1, Duration.ofSeconds(5))))
                .expectComplete()
                .verify(Duration.ofSeconds(5));

        StepVerifier.create(bus.publishAll(PLACED, Flux.range(1, 4).map(i -> "o-" + i)))
                .expectNextCount(4)
                .verifyComplete();
        StepVerifier.create(Flux.interval(Duration.ofMillis(1))
                        .filter(t -> hung.stats().offered() == 5 && hung.stats().dropped() >= 3)
                        .next())
                .expectNextCount(1)
                .expectComplete()
                .verify(Duration.ofSeconds(5));

        assertThat(hung.stats().dropped()).isEqualTo(3);
        StepVerifier.create(hung.dispose()).expectComplete().verify(Duration.ofSeconds(5));
        SubscriberStats after = hung.stats();
        assertThat(after.balanced()).isTrue();
        assertThat(after.inFlight()).isZero();
        // a system subscriber's own failures (UNSUBSCRIBED here) never publish further system events
        StepVerifier.create(store.count(DeadLetterQuery.of("hung-audit")))
                .expectNext(2L)
                .verifyComplete();
    }

    @Test
    void slowObserversMissEventsWithoutSlowingDelivery() {
        bus.subscribe(SubscriberSpec.builder("fast", PLACED, e -> Mono.empty()).build());

        StepVerifier.create(bus.events(PLACED), 0)
                .then(() -> bus.publishAll(PLACED, Flux.range(0, 300).map(i -> "o-" + i))
                        .blockLast(Duration.ofSeconds(5)))
                .thenRequest(1)
                .assertNext(event -> assertThat(event.payload()).isEqualTo("o-0"))
                .thenCancel()
                .verify(Duration.ofSeconds(5));

        assertThat(bus.observerDrops(PLACED)).isEqualTo(300 - 256);
        assertThat(bus.stats().get("fast").offered()).isEqualTo(300);
    }

    @Test
    void breakerStateChangesArePublishedAndHealthFollows() {
        List<String> changes = new CopyOnWriteArrayList<>();
        bus.subscribe(SubscriberSpec.builder(
                        "ops",
                        SystemEvents.CIRCUIT_STATE_CHANGED,
                        e -> Mono.fromRunnable(() -> changes.add(
                                e.payload().from() + ">" + e.payload().to())))
                .build());
        ResiliencePolicy policy = ResiliencePolicy.builder("inventory")
                .circuitBreaker(CircuitBreakerConfig.custom()
                        .slidingWindowSize(2)
                        .minimumNumberOfCalls(2)
                        .waitDurationInOpenState(Duration.ofHours(1))
                        .build())
                .build();
        SubscriberHandle inventory = bus.subscribe(
                SubscriberSpec.builder("inventory", PLACED, e -> Mono.error(new java.io.IOException("down")))
                        .policy(policy)
                        .onBreakerOpen(BreakerOpenPolicy.DEAD_LETTER)
                        .build());

        StepVerifier.create(bus.publishAll(PLACED, Flux.just("a", "b")))
                .expectNextCount(2)
                .verifyComplete();
        StepVerifier.create(bus.whenIdle()).expectComplete().verify(Duration.ofSeconds(5));
        StepVerifier.create(Flux.interval(Duration.ofMillis(1))
                        .filter(t -> !changes.isEmpty())
                        .next())
                .expectNextCount(1)
                .expectComplete()
                .verify(Duration.ofSeconds(5));

        assertThat(changes).containsExactly("CLOSED>OPEN");
        assertThat(inventory.health().status()).isEqualTo(SubscriberHealth.Status.UNHEALTHY);
        assertThat(bus.health().reason()).contains("inventory: circuit breaker OPEN");
    }

    @Test
    void storeRefusalMakesTheSubscriberUnhealthyUntilItAcceptsAgain() {
        store.refuseWrites(true);
        SubscriberHandle email =
                bus.subscribe(SubscriberSpec.builder("email", PLACED, e -> Mono.error(new IllegalStateException("no")))
                        .build());

        StepVerifier.create(bus.publish(PLACED, "o-1")).expectNextCount(1).verifyComplete();
        StepVerifier.create(Flux.interval(Duration.ofMillis(1))
                        .filter(t -> email.health().status() == SubscriberHealth.Status.UNHEALTHY)
                        .next())
                .expectNextCount(1)
                .expectComplete()
                .verify(Duration.ofSeconds(5));
        assertThat(email.stats().inFlight()).isEqualTo(1);

        store.refuseWrites(false);

        StepVerifier.create(bus.whenIdle()).expectComplete().verify(Duration.ofSeconds(10));
        assertThat(email.stats()).isEqualTo(new SubscriberStats(1, 0, 0, 1, 0, 0));
        assertThat(email.health().status()).isEqualTo(SubscriberHealth.Status.HEALTHY);
    }
}
