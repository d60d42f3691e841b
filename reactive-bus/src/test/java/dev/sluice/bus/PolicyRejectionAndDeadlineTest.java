package dev.sluice.bus;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.policy.ResiliencePolicy;
import dev.sluice.policy.RetrySettings;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;
import reactor.test.scheduler.VirtualTimeScheduler;

/**
 * docs/DESIGN.md "Outcome reasons": a total deadline ends in DEADLINE_EXCEEDED, a bulkhead or rate limiter in REJECTED.
 */
class PolicyRejectionAndDeadlineTest {

    private static final EventType<String> PLACED = EventType.of("order.placed", String.class);

    private final VirtualTimeScheduler vts = VirtualTimeScheduler.create();
    private final RecordingStore store = new RecordingStore();
    private final EventBus bus = VirtualTimeBus.create(vts, store);

    @Test
    void deadLettersAsDeadlineExceededWhenTheTotalDeadlineEndsTheRetries() {
        // retries alone would allow 10 attempts; the 100 ms deadline across them ends the event after the third
        ResiliencePolicy policy = ResiliencePolicy.builder("deadline")
                .deadline(Duration.ofMillis(100))
                .retry(RetrySettings.builder()
                        .maxAttempts(10)
                        .minBackoff(Duration.ofMillis(40))
                        .maxBackoff(Duration.ofMillis(40))
                        .jitter(0)
                        .build())
                .scheduler(vts)
                .build();
        SubscriberHandle handle = bus.subscribe(
                SubscriberSpec.builder("inventory", PLACED, e -> Mono.error(new IOException("inventory down")))
                        .policy(policy)
                        .build());

        StepVerifier.create(bus.publish(PLACED, "o-1")).expectNextCount(1).verifyComplete();
        vts.advanceTimeBy(Duration.ofMillis(70));
        assertThat(handle.stats().inFlight())
                .as("still retrying before the deadline")
                .isOne();
        vts.advanceTimeBy(Duration.ofSeconds(1));

        assertThat(handle.stats()).isEqualTo(new SubscriberStats(1, 0, 0, 1, 0, 0));
        assertThat(store.letters("inventory")).singleElement().satisfies(letter -> {
            assertThat(letter.reason()).isEqualTo(DeadLetterReason.DEADLINE_EXCEEDED);
            assertThat(letter.attempts()).isBetween(2, 9);
            assertThat(letter.payload()).isEqualTo("o-1");
        });
    }

    @Test
    void deadLettersAsRejectedWhenTheBulkheadIsFull() {
        // two events at once against a bulkhead of one: the second is refused, not retried, and not waited for
        ResiliencePolicy policy = ResiliencePolicy.builder("bulkhead")
                .bulkhead(1)
                .retry(RetrySettings.builder()
                        .maxAttempts(3)
                        .minBackoff(Duration.ofMillis(10))
                        .maxBackoff(Duration.ofMillis(10))
                        .jitter(0)
                        .build())
                .scheduler(vts)
                .build();
        HeldHandler<String> handler = new HeldHandler<>();
        SubscriberHandle handle = bus.subscribe(SubscriberSpec.builder("email", PLACED, handler)
                .policy(policy)
                .concurrency(2)
                .build());

        StepVerifier.create(bus.publishAll(PLACED, Flux.just("first", "second")))
                .expectNextCount(2)
                .verifyComplete();
        vts.advanceTimeBy(Duration.ofSeconds(1));
        handler.releaseAll();
        vts.advanceTimeBy(Duration.ofSeconds(1));

        assertThat(handler.started()).containsExactly("first");
        assertThat(handle.stats()).isEqualTo(new SubscriberStats(2, 1, 0, 1, 0, 0));
        assertThat(store.letters("email")).singleElement().satisfies(letter -> {
            assertThat(letter.reason()).isEqualTo(DeadLetterReason.REJECTED);
            assertThat(letter.payload()).isEqualTo("second");
            assertThat(letter.errorClass()).isEqualTo("io.github.resilience4j.bulkhead.BulkheadFullException");
        });
    }

    @Test
    void deadLettersAsRejectedWhenTheRateLimiterHasNoPermit() {
        // one permit per hour (resilience4j refreshes on the system clock; an hour is never reached by this test)
        ResiliencePolicy policy = ResiliencePolicy.builder("limited")
                .rateLimiter(1, Duration.ofHours(1))
                .scheduler(vts)
                .build();
        SubscriberHandle handle = bus.subscribe(SubscriberSpec.builder("sms", PLACED, e -> Mono.empty())
                .policy(policy)
                .build());

        StepVerifier.create(bus.publishAll(PLACED, Flux.just("first", "second", "third")))
                .expectNextCount(3)
                .verifyComplete();
        vts.advanceTimeBy(Duration.ofSeconds(1));

        assertThat(handle.stats()).isEqualTo(new SubscriberStats(3, 1, 0, 2, 0, 0));
        assertThat(store.reasons("sms")).containsOnly(Map.entry(DeadLetterReason.REJECTED, 2L));
        assertThat(store.letters("sms")).extracting(DeadLetter::payload).containsExactly("second", "third");
    }
}
