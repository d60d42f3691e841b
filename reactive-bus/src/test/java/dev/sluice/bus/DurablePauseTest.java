package dev.sluice.bus;

import static dev.sluice.bus.Until.until;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.policy.ResiliencePolicy;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.test.scheduler.VirtualTimeScheduler;

/**
 * A durable subscriber stops reading while its breaker is open or the store refuses its letters (docs/DESIGN.md
 * promises 6 and 8, "Durable types"): the backlog stays in the stream. Handlers run on the calling thread and timers on
 * virtual time, so every read the bus makes is seen as it happens.
 */
class DurablePauseTest {

    private final VirtualTimeScheduler vts = VirtualTimeScheduler.create();
    private final FakeTransport transport = new FakeTransport();
    private final RecordingStore store = new RecordingStore();
    private final EventBus bus = EventBus.builder()
            .transport(transport)
            .deadLetterStore(store)
            .scheduler(vts)
            .deliveryScheduler(Schedulers.immediate())
            .build();

    DurablePauseTest() {
        transport.manualByDefault = true;
    }

    @Test
    void readsNothingWhileTheBreakerIsOpen() {
        ResiliencePolicy policy = ResiliencePolicy.builder("clock")
                .timeout(Duration.ofSeconds(1))
                .circuitBreaker(CircuitBreakerConfig.custom()
                        .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                        .slidingWindowSize(10)
                        .waitDurationInOpenState(Duration.ofSeconds(1))
                        .build())
                .scheduler(vts)
                .build();
        CircuitBreaker breaker = java.util.Objects.requireNonNull(policy.circuitBreaker());
        SubscriberHandle handle = bus.subscribe(SubscriberSpec.<Tick>builder("clock", Tick.DURABLE, e -> Mono.empty())
                .policy(policy)
                .build());
        FakeTransport.FakeConsumer<Tick> consumer = transport.consumer("clock");
        until("the first read", () -> consumer.rooms.size() == 1);

        breaker.transitionToForcedOpenState();
        bus.publish(Tick.DURABLE, new Tick("a", 1)).block(Until.GUARD);
        consumer.answerRead(); // the read that was out brings the entry; it waits, and nothing more is read
        vts.advanceTimeBy(Duration.ofSeconds(5));
        int readsWhileOpen = consumer.rooms.size();
        long handledWhileOpen = consumer.acked.size();
        breaker.transitionToClosedState();
        vts.advanceTimeBy(Duration.ofSeconds(1)); // the gate's re-check

        assertThat(readsWhileOpen).isEqualTo(1);
        assertThat(handledWhileOpen).isZero();
        until("handled once closed", () -> consumer.acked.size() == 1);
        assertThat(consumer.rooms).hasSize(2);
    }

    @Test
    void readsInHalfOpenNoMoreThanTheBreakerPermits() {
        ResiliencePolicy policy = ResiliencePolicy.builder("clock")
                .timeout(Duration.ofSeconds(1))
                .circuitBreaker(CircuitBreakerConfig.custom()
                        .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                        .slidingWindowSize(10)
                        .permittedNumberOfCallsInHalfOpenState(2)
                        .build())
                .scheduler(vts)
                .build();
        bus.subscribe(SubscriberSpec.<Tick>builder("clock", Tick.DURABLE, e -> Mono.empty())
                .policy(policy)
                .build());
        FakeTransport.FakeConsumer<Tick> consumer = transport.consumer("clock");
        until("the first read", () -> consumer.rooms.size() == 1);

        java.util.Objects.requireNonNull(policy.circuitBreaker()).transitionToOpenState();
        policy.circuitBreaker().transitionToHalfOpenState();
        consumer.answerRead(); // empty: the next read follows at once, sized by what half-open permits

        assertThat(consumer.rooms).containsExactly(SubscriberSpec.DEFAULT_INBOX_SIZE, 2);
    }

    @Test
    void readsNothingWhileTheStoreRefusesLetters() {
        bus.subscribe(SubscriberSpec.<Tick>builder(
                        "clock", Tick.DURABLE, e -> Mono.error(new IllegalArgumentException("bad")))
                .build());
        FakeTransport.FakeConsumer<Tick> consumer = transport.consumer("clock");
        until("the first read", () -> consumer.rooms.size() == 1);

        store.refuseWrites(true);
        bus.publish(Tick.DURABLE, new Tick("a", 1)).block(Until.GUARD);
        consumer.answerRead(); // its letter is refused: the entry stays in flight, and nothing more is read
        vts.advanceTimeBy(Duration.ofSeconds(10));
        int readsWhileRefused = consumer.rooms.size();
        boolean ackedWhileRefused = !consumer.acked.isEmpty();
        store.refuseWrites(false);
        vts.advanceTimeBy(Duration.ofSeconds(5)); // the letter's next try

        assertThat(readsWhileRefused).isEqualTo(1);
        assertThat(ackedWhileRefused).isFalse();
        until("acked once the letter is in", () -> consumer.acked.size() == 1);
        assertThat(store.letters("clock")).hasSize(1);
        assertThat(consumer.rooms).hasSize(2);
    }
}
