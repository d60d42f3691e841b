package dev.sluice.bus;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.policy.ResiliencePolicy;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;
import reactor.test.scheduler.VirtualTimeScheduler;

/** docs/DESIGN.md promise 7: close and dispose finish what they can in time and dead-letter the rest. */
class ShutdownTest {

    private static final EventType<String> PLACED = EventType.of("order.placed", String.class);

    private final VirtualTimeScheduler vts = VirtualTimeScheduler.create();
    private final RecordingStore store = new RecordingStore();
    private final EventBus bus = VirtualTimeBus.create(vts, store);
    private final ResiliencePolicy noTimeout =
            ResiliencePolicy.builder("no-timeout").scheduler(vts).build();

    @Test
    void closeUnderLoadDrainsWhatFinishesInTimeAndDeadLettersTheRestAsShutdown() {
        List<String> done = new CopyOnWriteArrayList<>();
        SubscriberHandle slow = bus.subscribe(
                SubscriberSpec.<String>builder("slow", PLACED, e -> Mono.delay(Duration.ofMillis(300), vts)
                                .then(Mono.fromRunnable(() -> done.add(e.payload()))))
                        .policy(noTimeout)
                        .build());
        HeldHandler<String> hung = new HeldHandler<>();
        SubscriberHandle stuck = bus.subscribe(
                SubscriberSpec.builder("stuck", PLACED, hung).policy(noTimeout).build());
        for (int i = 1; i <= 5; i++) {
            bus.publish(PLACED, "e" + i).subscribe();
        }

        CompletableFuture<Void> closed = bus.close(Duration.ofSeconds(1)).toFuture();
        vts.advanceTimeBy(Duration.ofMillis(999));
        boolean closedEarly = closed.isDone();
        vts.advanceTimeBy(Duration.ofMillis(100));

        assertThat(closedEarly).isFalse();
        assertThat(closed).isCompleted();
        assertThat(done).containsExactly("e1", "e2", "e3"); // at 300, 600, 900 ms; e4 was cut at 1 s
        assertThat(store.letters("slow")).extracting(DeadLetter::payload).containsExactlyInAnyOrder("e4", "e5");
        assertThat(store.reasons("slow")).containsOnlyKeys(DeadLetterReason.SHUTDOWN);
        assertThat(slow.stats()).isEqualTo(new SubscriberStats(5, 3, 0, 2, 0, 0));
        assertThat(store.reasons("stuck")).containsOnly(java.util.Map.entry(DeadLetterReason.SHUTDOWN, 5L));
        assertThat(stuck.stats()).isEqualTo(new SubscriberStats(5, 0, 0, 5, 0, 0));
        StepVerifier.create(bus.publish(PLACED, "late"))
                .expectError(BusClosedException.class)
                .verify(Duration.ofSeconds(5));
    }

    @Test
    void closeIsEagerAndEveryCallerWaitsForTheSameDrain() { // regression: nothing happened until subscribed
        HeldHandler<String> hung = new HeldHandler<>();
        SubscriberHandle stuck = bus.subscribe(
                SubscriberSpec.builder("stuck", PLACED, hung).policy(noTimeout).build());
        bus.publish(PLACED, "e1").subscribe();

        Mono<Void> first = bus.close(Duration.ofSeconds(1)); // not subscribed
        vts.advanceTimeBy(Duration.ofMillis(1100));
        CompletableFuture<Void> second = bus.close(Duration.ofSeconds(1)).toFuture();

        assertThat(store.reasons("stuck")).containsOnly(java.util.Map.entry(DeadLetterReason.SHUTDOWN, 1L));
        assertThat(stuck.stats()).isEqualTo(new SubscriberStats(1, 0, 0, 1, 0, 0));
        assertThat(second).isCompleted();
        assertThat(first.toFuture()).isCompleted();
    }

    @Test
    void disposeGivesInFlightHandlersTheGraceThenDeadLettersTheRestAsUnsubscribed() {
        AtomicInteger calls = new AtomicInteger();
        SubscriberHandle handle = bus.subscribe(SubscriberSpec.<String>builder("leaving", PLACED, e -> {
                    calls.incrementAndGet();
                    return e.payload().equals("quick") ? Mono.delay(Duration.ofMillis(500), vts) : Mono.never();
                })
                .policy(noTimeout)
                .concurrency(2)
                .disposeGrace(Duration.ofSeconds(1))
                .build());
        for (String payload : List.of("quick", "stuck", "q1", "q2", "q3")) {
            bus.publish(PLACED, payload).subscribe();
        }

        CompletableFuture<Void> disposed = handle.dispose().toFuture();
        vts.advanceTimeBy(Duration.ofMillis(999));
        boolean disposedEarly = disposed.isDone();
        SubscriberStats duringGrace = handle.stats();
        vts.advanceTimeBy(Duration.ofMillis(100));

        assertThat(disposedEarly).isFalse();
        assertThat(duringGrace.delivered()).isEqualTo(1);
        assertThat(calls).as("no new event taken after dispose").hasValue(2);
        assertThat(disposed).isCompleted();
        assertThat(store.letters("leaving"))
                .extracting(DeadLetter::payload)
                .containsExactlyInAnyOrder("stuck", "q1", "q2", "q3");
        assertThat(store.reasons("leaving")).containsOnlyKeys(DeadLetterReason.UNSUBSCRIBED);
        assertThat(handle.stats()).isEqualTo(new SubscriberStats(5, 1, 0, 4, 0, 0));
        assertThat(bus.stats()).doesNotContainKey("leaving");
    }

    @Test
    void disposeDoesNotStartEventsQueuedBehindACancelledKey() { // regression: a key's queue ran on after dispose
        AtomicInteger calls = new AtomicInteger();
        SubscriberHandle handle = bus.subscribe(SubscriberSpec.<String>builder("keyed", PLACED, e -> {
                    calls.incrementAndGet();
                    return Mono.never();
                })
                .policy(noTimeout)
                .concurrency(2)
                .orderedByKey(true)
                .disposeGrace(Duration.ofSeconds(1))
                .build());
        for (int i = 1; i <= 3; i++) {
            bus.publish(PLACED, "a", "a" + i).subscribe();
        }

        CompletableFuture<Void> disposed = handle.dispose().toFuture();
        vts.advanceTimeBy(Duration.ofSeconds(2));

        assertThat(calls).hasValue(1);
        assertThat(disposed).isCompleted();
        assertThat(store.letters("keyed")).extracting(DeadLetter::payload).containsExactlyInAnyOrder("a1", "a2", "a3");
        assertThat(store.reasons("keyed")).containsOnlyKeys(DeadLetterReason.UNSUBSCRIBED);
        assertThat(handle.stats()).isEqualTo(new SubscriberStats(3, 0, 0, 3, 0, 0));
    }
}
