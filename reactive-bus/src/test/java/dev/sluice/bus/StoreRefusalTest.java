package dev.sluice.bus;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.policy.ResiliencePolicy;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.scheduler.VirtualTimeScheduler;

/** docs/DESIGN.md promise 8: a store that refuses letters is backpressure, not loss. */
class StoreRefusalTest {

    private static final EventType<String> PLACED = EventType.of("order.placed", String.class);

    private final VirtualTimeScheduler vts = VirtualTimeScheduler.create();
    private final RecordingStore store = new RecordingStore();
    private final EventBus bus = VirtualTimeBus.create(vts, store);
    private final ResiliencePolicy noTimeout =
            ResiliencePolicy.builder("no-timeout").scheduler(vts).build();

    @Test
    void failingEventStaysInFlightWhileTheStoreRefusesAndLandsOnceItAccepts() {
        AtomicInteger calls = new AtomicInteger();
        SubscriberHandle handle = bus.subscribe(SubscriberSpec.<String>builder("failing", PLACED, e -> {
                    calls.incrementAndGet();
                    return Mono.error(new IllegalStateException("no"));
                })
                .policy(noTimeout)
                .inboxSize(4)
                .build());
        store.refuseWrites(true);

        for (int i = 1; i <= 3; i++) {
            bus.publish(PLACED, "e" + i).subscribe();
        }
        vts.advanceTimeBy(Duration.ofMinutes(1));
        SubscriberStats refused = handle.stats();
        int callsWhileRefused = calls.get();
        store.refuseWrites(false);
        vts.advanceTimeBy(Duration.ofSeconds(10)); // longer than the longest store retry delay

        assertThat(callsWhileRefused).as("stopped draining").isEqualTo(1);
        assertThat(refused).isEqualTo(new SubscriberStats(3, 0, 0, 0, 0, 3));
        assertThat(store.letters("failing"))
                .extracting(DeadLetter::payload, DeadLetter::reason)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("e1", DeadLetterReason.PERMANENT_ERROR),
                        org.assertj.core.groups.Tuple.tuple("e2", DeadLetterReason.PERMANENT_ERROR),
                        org.assertj.core.groups.Tuple.tuple("e3", DeadLetterReason.PERMANENT_ERROR));
        assertThat(handle.stats()).isEqualTo(new SubscriberStats(3, 0, 0, 3, 0, 0));
        close();
    }

    @Test
    void overflowTurnsIntoBackpressureWhileTheStoreRefuses() {
        HeldHandler<String> hung = new HeldHandler<>();
        AtomicInteger failures = new AtomicInteger();
        SubscriberHandle handle = bus.subscribe(SubscriberSpec.<String>builder(
                        "lossy",
                        PLACED,
                        e -> e.payload().equals("bad")
                                ? Mono.<Void>error(new IllegalStateException("bad"))
                                        .doOnError(x -> failures.incrementAndGet())
                                : Mono.from(hung.apply(e)).then())
                .policy(noTimeout)
                .inboxSize(1)
                .overflow(OverflowPolicy.DEAD_LETTER)
                .build());
        store.refuseWrites(true);
        bus.publish(PLACED, "bad").subscribe(); // its letter is refused: the subscriber learns the store refuses
        vts.advanceTimeBy(Duration.ofSeconds(1));
        bus.publish(PLACED, "e1").subscribe(); // queued behind "bad"

        CompletableFuture<PublishReceipt> waiting = bus.publish(PLACED, "e2").toFuture();
        vts.advanceTimeBy(Duration.ofMinutes(1));
        boolean doneWhileRefusing = waiting.isDone();
        store.refuseWrites(false);
        vts.advanceTimeBy(Duration.ofSeconds(10));
        hung.releaseAll();

        assertThat(doneWhileRefusing)
                .as("publish waited instead of losing the event")
                .isFalse();
        assertThat(waiting).isCompletedWithValueMatching(r -> r.delivered() == 1);
        assertThat(hung.finished()).containsExactly("e1", "e2");
        assertThat(store.reasons("lossy")).containsOnly(java.util.Map.entry(DeadLetterReason.PERMANENT_ERROR, 1L));
        assertThat(handle.stats()).isEqualTo(new SubscriberStats(3, 2, 0, 1, 0, 0));
        close();
    }

    private void close() {
        CompletableFuture<Void> closed = bus.close(Duration.ofSeconds(1)).toFuture();
        vts.advanceTimeBy(Duration.ofSeconds(2));
        assertThat(closed).isCompleted();
    }
}
