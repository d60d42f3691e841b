package dev.sluice.bus;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.policy.ResiliencePolicy;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.scheduler.VirtualTimeScheduler;

/** docs/DESIGN.md promise 2: one slow subscriber never holds up the publisher or the others for long. */
class IsolationTest {

    private static final EventType<String> PLACED = EventType.of("order.placed", String.class);

    private final VirtualTimeScheduler vts = VirtualTimeScheduler.create();
    private final RecordingStore store = new RecordingStore();
    private final EventBus bus = VirtualTimeBus.create(vts, store);
    private final ResiliencePolicy noTimeout =
            ResiliencePolicy.builder("no-timeout").scheduler(vts).build();

    @Test
    void hungBackpressureSubscriberDelaysAPublishByOneMaxPublishWaitThenOverflowsUntilDrainedBelowHalf() {
        HeldHandler<String> hung = new HeldHandler<>();
        SubscriberHandle slow = bus.subscribe(SubscriberSpec.builder("hung", PLACED, hung)
                .policy(noTimeout)
                .inboxSize(4)
                .maxPublishWait(Duration.ofMillis(250))
                .build());
        List<String> fast = new CopyOnWriteArrayList<>();
        bus.subscribe(SubscriberSpec.builder("fast", PLACED, e -> Mono.fromRunnable(() -> fast.add(e.payload())))
                .policy(noTimeout)
                .build());
        for (int i = 1; i <= 5; i++) { // 1 taken by the handler, 4 fill the inbox
            assertThat(bus.publish(PLACED, "e" + i).toFuture()).isCompletedWithValueMatching(r -> r.delivered() == 2);
        }

        CompletableFuture<PublishReceipt> waiting = bus.publish(PLACED, "e6").toFuture();
        vts.advanceTimeBy(Duration.ofMillis(249));
        boolean doneEarly = waiting.isDone();
        vts.advanceTimeBy(Duration.ofMillis(1));

        assertThat(doneEarly).as("publish gave up before maxPublishWait").isFalse();
        assertThat(waiting).isCompletedWithValueMatching(r -> r.delivered() == 1 && r.overflowed() == 1);
        assertThat(fast).as("the fast subscriber was not held up").contains("e6");

        // overflow mode: dead-lettered at once, even once a slot is free, until the inbox is below half (< 2 of 4)
        assertThat(bus.publish(PLACED, "e7").toFuture()).isCompletedWithValueMatching(r -> r.overflowed() == 1);
        hung.releaseNext(); // e1 done, e2 taken: 3 queued
        assertThat(bus.publish(PLACED, "e8").toFuture()).isCompletedWithValueMatching(r -> r.overflowed() == 1);
        hung.releaseNext(); // 2 queued: half, not below
        assertThat(bus.publish(PLACED, "e9").toFuture()).isCompletedWithValueMatching(r -> r.overflowed() == 1);
        hung.releaseNext(); // 1 queued: below half, overflow mode ends
        assertThat(bus.publish(PLACED, "e10").toFuture())
                .isCompletedWithValueMatching(r -> r.delivered() == 2 && r.overflowed() == 0);
        hung.releaseAll();
        close();

        assertThat(fast).hasSize(10);
        assertThat(hung.finished()).containsExactly("e1", "e2", "e3", "e4", "e5", "e10");
        assertThat(store.letters("hung"))
                .extracting(DeadLetter::payload, DeadLetter::reason)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("e6", DeadLetterReason.INBOX_OVERFLOW),
                        org.assertj.core.groups.Tuple.tuple("e7", DeadLetterReason.INBOX_OVERFLOW),
                        org.assertj.core.groups.Tuple.tuple("e8", DeadLetterReason.INBOX_OVERFLOW),
                        org.assertj.core.groups.Tuple.tuple("e9", DeadLetterReason.INBOX_OVERFLOW));
        assertThat(slow.stats()).isEqualTo(new SubscriberStats(10, 6, 0, 4, 0, 0));
    }

    @Test
    void overflowModeEndsForAOneEventInboxOnceItIsEmpty() { // regression: capacity / 2 == 0 kept it overflowing
        HeldHandler<String> hung = new HeldHandler<>();
        SubscriberHandle slow = bus.subscribe(SubscriberSpec.builder("tiny", PLACED, hung)
                .policy(noTimeout)
                .inboxSize(1)
                .build());
        bus.publish(PLACED, "e1").subscribe(); // taken
        bus.publish(PLACED, "e2").subscribe(); // queued
        CompletableFuture<PublishReceipt> waiting = bus.publish(PLACED, "e3").toFuture();
        vts.advanceTimeBy(SubscriberSpec.DEFAULT_MAX_PUBLISH_WAIT);
        assertThat(waiting).isCompletedWithValueMatching(r -> r.overflowed() == 1);

        hung.releaseNext(); // e2 taken: inbox empty
        hung.releaseNext();

        assertThat(bus.publish(PLACED, "e4").toFuture()).isCompletedWithValueMatching(r -> r.delivered() == 1);
        hung.releaseAll();
        close();
        assertThat(hung.finished()).containsExactly("e1", "e2", "e4");
        assertThat(slow.stats()).isEqualTo(new SubscriberStats(4, 3, 0, 1, 0, 0));
    }

    @Test
    void deadLetterOverflowSubscriberNeverDelaysThePublisherOrTheOthers() {
        HeldHandler<String> hung = new HeldHandler<>();
        SubscriberHandle lossy = bus.subscribe(SubscriberSpec.builder("lossy", PLACED, hung)
                .policy(noTimeout)
                .inboxSize(2)
                .overflow(OverflowPolicy.DEAD_LETTER)
                .build());
        List<String> fast = new CopyOnWriteArrayList<>();
        bus.subscribe(SubscriberSpec.builder("fast", PLACED, e -> Mono.fromRunnable(() -> fast.add(e.payload())))
                .policy(noTimeout)
                .build());

        int overflowed = 0;
        for (int i = 1; i <= 10; i++) {
            CompletableFuture<PublishReceipt> receipt =
                    bus.publish(PLACED, "e" + i).toFuture(); // no virtual time passes: must complete at once
            assertThat(receipt).isDone();
            overflowed += receipt.join().overflowed();
        }
        hung.releaseAll();
        close();

        assertThat(overflowed).isEqualTo(7); // 1 handling, 2 queued
        assertThat(fast).hasSize(10);
        assertThat(store.reasons("lossy")).containsOnly(java.util.Map.entry(DeadLetterReason.INBOX_OVERFLOW, 7L));
        assertThat(lossy.stats()).isEqualTo(new SubscriberStats(10, 3, 0, 7, 0, 0));
    }

    private void close() {
        CompletableFuture<Void> closed = bus.close(Duration.ofSeconds(1)).toFuture();
        vts.advanceTimeBy(Duration.ofSeconds(2));
        assertThat(closed).isCompleted();
    }
}
