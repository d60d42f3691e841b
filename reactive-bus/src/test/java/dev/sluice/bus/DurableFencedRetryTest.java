package dev.sluice.bus;

import static dev.sluice.bus.Until.until;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.policy.ResiliencePolicy;
import dev.sluice.policy.RetrySettings;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

/**
 * A retry, a fallback and a letter start a handler too, so each asks the consumer again whether this instance may
 * still start one (regression, issue 13 defect 3: an owner paused past its lease started, on resuming, the retries it
 * had scheduled before the pause, of entries the partition's new owner was handling). Fenced, the handling is
 * cancelled and the entry released: no further attempt, no fallback, no letter, no ack.
 */
class DurableFencedRetryTest {

    private final FakeTransport transport = new FakeTransport();
    private final RecordingStore store = new RecordingStore();
    private final EventBus bus =
            EventBus.builder().transport(transport).deadLetterStore(store).build();

    @AfterEach
    void close() {
        bus.close(Until.GUARD).block(Until.GUARD);
    }

    private static ResiliencePolicy retrying() {
        return ResiliencePolicy.builder("retrying")
                .timeout(Duration.ofSeconds(1))
                .retry(RetrySettings.builder()
                        .maxAttempts(3)
                        .minBackoff(Duration.ofMillis(20))
                        .maxBackoff(Duration.ofMillis(20))
                        .build())
                .build();
    }

    private FakeTransport.FakeConsumer<Tick> consumer(String name) {
        FakeTransport.FakeConsumer<Tick> consumer = transport.consumer(name);
        until("the consumer of " + name + " reads", () -> !consumer.rooms.isEmpty());
        return consumer;
    }

    private void fenceAll(FakeTransport.FakeConsumer<Tick> consumer) {
        for (int p = 0; p < 4; p++) {
            consumer.fenced.add(p);
        }
    }

    @Test
    void aRetryAfterTheLeaseWasLostIsNotStartedAndTheEntryIsReleased() {
        AtomicInteger calls = new AtomicInteger();
        AtomicReference<FakeTransport.FakeConsumer<Tick>> consumer = new AtomicReference<>();
        SubscriberHandle handle = bus.subscribe(SubscriberSpec.<Tick>builder("clock", Tick.DURABLE, e -> {
                    calls.incrementAndGet();
                    fenceAll(consumer.get()); // the lease is lost while the first attempt runs
                    return Mono.error(new IOException("retryable"));
                })
                .policy(retrying())
                .build());
        consumer.set(consumer("clock"));

        bus.publish(Tick.DURABLE, new Tick("a", 1)).block(Until.GUARD);
        until("released", () -> consumer.get().released.size() == 1);

        assertThat(calls).as("handler calls: the retries were fenced").hasValue(1);
        assertThat(consumer.get().acked).isEmpty();
        assertThat(store.letters("clock")).isEmpty();
        until("stats settle", () -> handle.stats().inFlight() == 0);
        assertThat(handle.stats()).isEqualTo(new SubscriberStats(1, 0, 0, 0, 0, 1, 0));
    }

    @Test
    void theFallbackOfAFailureAfterTheLeaseWasLostIsNotCalled() {
        AtomicInteger fallbacks = new AtomicInteger();
        AtomicReference<FakeTransport.FakeConsumer<Tick>> consumer = new AtomicReference<>();
        SubscriberHandle handle = bus.subscribe(SubscriberSpec.<Tick>builder("clock", Tick.DURABLE, e -> {
                    fenceAll(consumer.get());
                    return Mono.error(new IllegalStateException("permanent"));
                })
                .policy(retrying())
                .fallback((event, failure) -> Mono.fromRunnable(fallbacks::incrementAndGet))
                .build());
        consumer.set(consumer("clock"));

        bus.publish(Tick.DURABLE, new Tick("a", 1)).block(Until.GUARD);
        until("released", () -> consumer.get().released.size() == 1);

        assertThat(fallbacks).hasValue(0);
        assertThat(consumer.get().acked).isEmpty();
        assertThat(store.letters("clock")).isEmpty();
        until("stats settle", () -> handle.stats().inFlight() == 0);
        assertThat(handle.stats()).isEqualTo(new SubscriberStats(1, 0, 0, 0, 0, 1, 0));
    }
}
