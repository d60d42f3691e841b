package dev.sluice.bus;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.policy.ResiliencePolicy;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import reactor.test.scheduler.VirtualTimeScheduler;

/** A subscriber's {@code concurrency} bounds how many of its handlers run at once. */
class ConcurrencyLimitTest {

    private static final EventType<String> PLACED = EventType.of("order.placed", String.class);

    private final VirtualTimeScheduler vts = VirtualTimeScheduler.create();
    private final EventBus bus = VirtualTimeBus.create(vts, InMemoryDeadLetterStore.create());

    @Test
    void neverRunsMoreHandlersAtOnceThanItsConcurrency() {
        HeldHandler<String> held = new HeldHandler<>();
        SubscriberHandle handle = bus.subscribe(SubscriberSpec.builder("limited", PLACED, held)
                .policy(ResiliencePolicy.builder("no-timeout").scheduler(vts).build())
                .concurrency(3)
                .build());

        for (int i = 1; i <= 10; i++) {
            bus.publish(PLACED, "e" + i).subscribe();
        }
        int atOnce = held.active();
        for (int i = 0; i < 10; i++) {
            held.releaseNext();
            assertThat(held.active()).isLessThanOrEqualTo(3);
        }
        CompletableFuture<Void> closed = bus.close(Duration.ofSeconds(1)).toFuture();
        vts.advanceTimeBy(Duration.ofSeconds(2));

        assertThat(closed).isCompleted();
        assertThat(atOnce).isEqualTo(3);
        assertThat(held.maxActive()).isEqualTo(3);
        assertThat(held.finished()).hasSize(10);
        assertThat(handle.stats()).isEqualTo(new SubscriberStats(10, 10, 0, 0, 0, 0));
    }
}
