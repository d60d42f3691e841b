package dev.sluice.bus;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.policy.ResiliencePolicy;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;
import reactor.test.scheduler.VirtualTimeScheduler;

/** docs/DESIGN.md promise 3: bounded inboxes push back on publishers; what cannot wait is a letter, never a loss. */
class BackpressureTest {

    private static final EventType<String> PLACED = EventType.of("order.placed", String.class);

    private final VirtualTimeScheduler vts = VirtualTimeScheduler.create();
    private final RecordingStore store = new RecordingStore();
    private final EventBus bus = VirtualTimeBus.create(vts, store);
    private final ResiliencePolicy noTimeout =
            ResiliencePolicy.builder("no-timeout").scheduler(vts).build();
    private final HeldHandler<String> hung = new HeldHandler<>();

    @Test
    void publishAllRequestsUpstreamNoFasterThanTheInboxTakesEvents() {
        SubscriberHandle handle = bus.subscribe(SubscriberSpec.builder("slow", PLACED, hung)
                .policy(noTimeout)
                .inboxSize(4)
                .maxPublishWait(Duration.ofHours(1))
                .build());
        AtomicLong requested = new AtomicLong();
        Flux<String> source = Flux.range(1, 50).map(i -> "e" + i).doOnRequest(requested::addAndGet);

        StepVerifier.create(bus.publishAll(PLACED, source))
                .expectNextCount(5) // 1 handling + 4 queued; the 6th waits for room
                .then(() -> vts.advanceTimeBy(Duration.ofMinutes(1)))
                .then(() -> assertThat(requested.get())
                        .as("requested while 5 were taken and 1 waits")
                        .isBetween(6L, 7L))
                .then(hung::releaseAll)
                .expectNextCount(45)
                .expectComplete()
                .verify(Duration.ofSeconds(10));

        assertThat(requested.get()).isLessThanOrEqualTo(51);
        assertThat(hung.finished()).hasSize(50);
        assertThat(handle.stats()).isEqualTo(new SubscriberStats(50, 50, 0, 0, 0, 0));
    }

    @Test
    void overflowOfADeadLetterInboxRecordsInboxOverflowLetters() {
        SubscriberHandle handle = bus.subscribe(SubscriberSpec.builder("lossy", PLACED, hung)
                .policy(noTimeout)
                .inboxSize(2)
                .overflow(OverflowPolicy.DEAD_LETTER)
                .build());

        List<PublishReceipt> receipts = bus.publishAll(PLACED, Flux.range(1, 10).map(i -> "e" + i))
                .collectList()
                .toFuture()
                .join(); // completes without time passing: nothing waits
        CompletableFuture<Void> closed = bus.close(Duration.ofSeconds(1)).toFuture();
        vts.advanceTimeBy(Duration.ofSeconds(2));

        assertThat(closed).isCompleted();
        Set<String> overflowed = receipts.stream()
                .filter(r -> r.overflowed() == 1)
                .map(PublishReceipt::eventId)
                .collect(Collectors.toSet());
        assertThat(overflowed).hasSize(7);
        assertThat(store.letters("lossy"))
                .filteredOn(l -> l.reason() == DeadLetterReason.INBOX_OVERFLOW)
                .extracting(DeadLetter::eventId)
                .containsExactlyInAnyOrderElementsOf(overflowed);
        assertThat(store.reasons("lossy")).containsEntry(DeadLetterReason.SHUTDOWN, 3L); // 1 handling, 2 queued
        assertThat(handle.stats()).isEqualTo(new SubscriberStats(10, 0, 0, 10, 0, 0));
    }

    @Test
    void cancellingAWaitingPublishDoesNotUndoItsFanOut() {
        List<String> fast = new CopyOnWriteArrayList<>();
        bus.subscribe(SubscriberSpec.builder("slow", PLACED, hung)
                .policy(noTimeout)
                .inboxSize(1)
                .build());
        bus.subscribe(SubscriberSpec.builder(
                        "fast", PLACED, e -> reactor.core.publisher.Mono.fromRunnable(() -> fast.add(e.payload())))
                .policy(noTimeout)
                .build());
        bus.publish(PLACED, "e1").subscribe(); // taken
        bus.publish(PLACED, "e2").subscribe(); // queued

        Disposable waiting = bus.publish(PLACED, "e3").subscribe();
        waiting.dispose();
        hung.releaseAll();

        assertThat(hung.finished()).containsExactly("e1", "e2", "e3");
        assertThat(fast).containsExactly("e1", "e2", "e3");
    }

    @Test
    void aWaitingPublishTakesRoomThatFreesUpAfterAnEarlierWaitGaveUp() { // regression: a stale waiter ate the wake-up
        SubscriberHandle handle = bus.subscribe(SubscriberSpec.builder("slow", PLACED, hung)
                .policy(noTimeout)
                .inboxSize(1)
                .maxPublishWait(Duration.ofMillis(250))
                .build());
        bus.publish(PLACED, "e1").subscribe(); // taken
        bus.publish(PLACED, "e2").subscribe(); // queued
        CompletableFuture<PublishReceipt> first = bus.publish(PLACED, "e3").toFuture();
        vts.advanceTimeBy(Duration.ofMillis(100));
        CompletableFuture<PublishReceipt> second = bus.publish(PLACED, "e4").toFuture();
        vts.advanceTimeBy(Duration.ofMillis(150)); // the first gives up

        hung.releaseNext(); // e2 taken: room for the second

        assertThat(first).isCompletedWithValueMatching(r -> r.overflowed() == 1);
        assertThat(second).isCompletedWithValueMatching(r -> r.delivered() == 1);
        hung.releaseAll();
        assertThat(hung.finished()).containsExactly("e1", "e2", "e4");
        assertThat(handle.stats()).isEqualTo(new SubscriberStats(4, 3, 0, 1, 0, 0));
    }
}
