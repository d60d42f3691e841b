package dev.sluice.bus;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.policy.ResiliencePolicy;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.scheduler.VirtualTimeScheduler;

/** docs/DESIGN.md promise 6: an open breaker pauses the subscriber (backpressure), unless it opts to dead-letter. */
class BreakerPauseTest {

    private static final EventType<String> PLACED = EventType.of("order.placed", String.class);
    private static final Duration WAIT_IN_OPEN = Duration.ofSeconds(10);

    private final VirtualTimeScheduler vts = VirtualTimeScheduler.create();
    private final RecordingStore store = new RecordingStore();
    private final EventBus bus = VirtualTimeBus.create(vts, store);
    private final AtomicBoolean down = new AtomicBoolean(true);
    private final AtomicInteger calls = new AtomicInteger();
    private final ResiliencePolicy policy = ResiliencePolicy.builder("downstream")
            .circuitBreaker(CircuitBreakerConfig.custom()
                    .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                    .slidingWindowSize(2)
                    .minimumNumberOfCalls(2)
                    .failureRateThreshold(50)
                    .waitDurationInOpenState(WAIT_IN_OPEN)
                    .permittedNumberOfCallsInHalfOpenState(1)
                    .build())
            .scheduler(vts)
            .build();

    private SubscriberHandle subscribe(BreakerOpenPolicy onOpen) {
        return bus.subscribe(SubscriberSpec.<String>builder(
                        "downstream",
                        PLACED,
                        e -> Mono.defer(() -> {
                            calls.incrementAndGet();
                            return down.get() ? Mono.error(new IOException("down")) : Mono.empty();
                        }))
                .policy(policy)
                .inboxSize(16)
                .onBreakerOpen(onOpen)
                .build());
    }

    @Test
    void openBreakerPausesTheWorkerAndItResumesAfterTheWaitInOpen() {
        SubscriberHandle handle = subscribe(BreakerOpenPolicy.PAUSE);
        bus.publish(PLACED, "f1").subscribe();
        bus.publish(PLACED, "f2").subscribe();
        assertThat(policy.circuitBreaker().getState()).isEqualTo(CircuitBreaker.State.OPEN);

        for (int i = 1; i <= 10; i++) {
            assertThat(bus.publish(PLACED, "e" + i).toFuture()).isCompletedWithValueMatching(r -> r.delivered() == 1);
        }
        vts.advanceTimeBy(WAIT_IN_OPEN.minusMillis(1));
        SubscriberStats paused = handle.stats();
        int callsWhilePaused = calls.get();
        down.set(false);
        vts.advanceTimeBy(Duration.ofSeconds(2)); // past the wait, plus one re-check

        assertThat(callsWhilePaused).as("handler calls while open").isEqualTo(2);
        assertThat(paused).isEqualTo(new SubscriberStats(12, 0, 0, 2, 0, 10)); // 10 wait in the inbox
        assertThat(policy.circuitBreaker().getState()).isEqualTo(CircuitBreaker.State.CLOSED);
        assertThat(handle.stats()).isEqualTo(new SubscriberStats(12, 10, 0, 2, 0, 0));
        assertThat(store.reasons("downstream"))
                .as("no CIRCUIT_OPEN flood")
                .containsOnly(java.util.Map.entry(DeadLetterReason.RETRIES_EXHAUSTED, 2L));
        close();
    }

    @Test
    void deadLetterPolicyTurnsEventsIntoCircuitOpenLettersWhileOpen() {
        SubscriberHandle handle = subscribe(BreakerOpenPolicy.DEAD_LETTER);

        for (int i = 1; i <= 7; i++) {
            bus.publish(PLACED, "e" + i).subscribe();
        }
        close();

        assertThat(calls).hasValue(2);
        assertThat(store.reasons("downstream"))
                .containsEntry(DeadLetterReason.RETRIES_EXHAUSTED, 2L)
                .containsEntry(DeadLetterReason.CIRCUIT_OPEN, 5L);
        assertThat(handle.stats()).isEqualTo(new SubscriberStats(7, 0, 0, 7, 0, 0));
    }

    private void close() {
        CompletableFuture<Void> closed = bus.close(Duration.ofSeconds(1)).toFuture();
        vts.advanceTimeBy(Duration.ofSeconds(2));
        assertThat(closed).isCompleted();
    }
}
