package dev.sluice.bus;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.policy.ResiliencePolicy;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;
import reactor.test.scheduler.VirtualTimeScheduler;

/** docs/DESIGN.md "Observability": DEGRADED health with its reason, and each change published as a system event. */
class SubscriberHealthTest {

    private static final EventType<String> PLACED = EventType.of("order.placed", String.class);

    private final VirtualTimeScheduler vts = VirtualTimeScheduler.create();
    private final RecordingStore store = new RecordingStore();
    private final EventBus bus = VirtualTimeBus.create(vts, store);
    private final List<SystemEvents.SubscriberHealthChanged> changes = new CopyOnWriteArrayList<>();

    SubscriberHealthTest() {
        bus.subscribe(SubscriberSpec.builder(
                        "ops",
                        SystemEvents.SUBSCRIBER_HEALTH_CHANGED,
                        e -> Mono.fromRunnable(() -> changes.add(e.payload())))
                .build());
    }

    @Test
    void anInboxFourFifthsFullIsDegradedAndEveryChangeIsPublished() {
        HeldHandler<String> handler = new HeldHandler<>();
        SubscriberHandle email = bus.subscribe(
                SubscriberSpec.builder("email", PLACED, handler).inboxSize(5).build());

        // one event in the (held) handler, four of five inbox slots taken
        StepVerifier.create(bus.publishAll(PLACED, Flux.range(1, 5).map(i -> "o-" + i)))
                .expectNextCount(5)
                .verifyComplete();
        vts.advanceTimeBy(Duration.ofSeconds(1));

        assertThat(email.health()).isEqualTo(new SubscriberHealth(SubscriberHealth.Status.DEGRADED, "inbox 4/5"));
        assertThat(changes).singleElement().satisfies(change -> {
            assertThat(change.subscriber()).isEqualTo("email");
            assertThat(change.from()).isEqualTo(SubscriberHealth.Status.HEALTHY);
            assertThat(change.to()).isEqualTo(SubscriberHealth.Status.DEGRADED);
            assertThat(change.reason()).isEqualTo("inbox 4/5");
        });

        handler.releaseAll();
        vts.advanceTimeBy(Duration.ofSeconds(1));

        assertThat(email.health()).isEqualTo(SubscriberHealth.healthy());
        assertThat(changes)
                .extracting(c -> c.from() + ">" + c.to())
                .containsExactly("HEALTHY>DEGRADED", "DEGRADED>HEALTHY");
        assertThat(email.stats()).isEqualTo(new SubscriberStats(5, 5, 0, 0, 0, 0));
    }

    @Test
    void aFailureRateAtHalfTheBreakerThresholdIsDegradedWhileTheBreakerStaysClosed() {
        ResiliencePolicy policy = ResiliencePolicy.builder("inventory")
                .circuitBreaker(CircuitBreakerConfig.custom()
                        .slidingWindowSize(4)
                        .minimumNumberOfCalls(4)
                        .failureRateThreshold(50)
                        .build())
                .scheduler(vts)
                .build();
        SubscriberHandle inventory = bus.subscribe(SubscriberSpec.builder(
                        "inventory",
                        PLACED,
                        e -> e.payload().equals("bad") ? Mono.error(new java.io.IOException("down")) : Mono.empty())
                .policy(policy)
                .build());

        StepVerifier.create(bus.publishAll(PLACED, Flux.just("a", "b", "c", "bad")))
                .expectNextCount(4)
                .verifyComplete();
        vts.advanceTimeBy(Duration.ofSeconds(1));

        assertThat(policy.circuitBreaker().getState().name()).isEqualTo("CLOSED");
        assertThat(inventory.health())
                .isEqualTo(new SubscriberHealth(
                        SubscriberHealth.Status.DEGRADED, "recent failure rate 25.0% (breaker opens at 50.0%)"));
        assertThat(changes).singleElement().satisfies(change -> {
            assertThat(change.subscriber()).isEqualTo("inventory");
            assertThat(change.to()).isEqualTo(SubscriberHealth.Status.DEGRADED);
            assertThat(change.reason()).isEqualTo("recent failure rate 25.0% (breaker opens at 50.0%)");
        });
        assertThat(bus.health().status()).isEqualTo(SubscriberHealth.Status.DEGRADED);
    }
}
