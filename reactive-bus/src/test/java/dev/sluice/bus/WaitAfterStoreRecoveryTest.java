package dev.sluice.bus;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.policy.ResiliencePolicy;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.scheduler.VirtualTimeScheduler;

/** Regression: a publish that waited while the store refused used to wait forever once the store accepted again. */
class WaitAfterStoreRecoveryTest {

    private static final EventType<String> PLACED = EventType.of("order.placed", String.class);

    private final VirtualTimeScheduler vts = VirtualTimeScheduler.create();
    private final InMemoryDeadLetterStore store = InMemoryDeadLetterStore.create();
    private final EventBus bus = VirtualTimeBus.create(vts, store);

    @Test
    void waitGetsItsLimitBackOnceTheStoreAccepts() {
        bus.subscribe(SubscriberSpec.<String>builder(
                        "stuck",
                        PLACED,
                        e -> e.payload().equals("fail") ? Mono.error(new IllegalStateException("no")) : Mono.never())
                .policy(ResiliencePolicy.builder("no-timeout").scheduler(vts).build())
                .inboxSize(1)
                .maxPublishWait(Duration.ofMillis(250))
                .build());
        store.refuseWrites(true);
        bus.publish(PLACED, "fail").subscribe(); // handled at once; its letter is refused and retried
        bus.publish(PLACED, "hang").subscribe(); // fills the one-slot inbox
        CompletableFuture<PublishReceipt> first = bus.publish(PLACED, "wait-1").toFuture();
        CompletableFuture<PublishReceipt> second = bus.publish(PLACED, "wait-2").toFuture();
        vts.advanceTimeBy(Duration.ofSeconds(1));
        assertThat(first).isNotDone(); // while the store refuses, overflow is backpressure: they wait
        assertThat(second).isNotDone();

        store.refuseWrites(false);
        vts.advanceTimeBy(Duration.ofSeconds(10));

        // the letter lands, "hang" leaves the inbox, one wait takes its slot; the other overflows at its next limit
        assertThat(first).isDone();
        assertThat(second).isDone();
        assertThat(first.join().delivered() + second.join().delivered()).isEqualTo(1);
        assertThat(first.join().overflowed() + second.join().overflowed()).isEqualTo(1);
    }
}
