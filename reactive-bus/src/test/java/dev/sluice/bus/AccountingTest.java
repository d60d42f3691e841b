package dev.sluice.bus;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.policy.ResiliencePolicy;
import dev.sluice.policy.RetrySettings;
import java.io.IOException;
import java.time.Duration;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.scheduler.VirtualTimeScheduler;

/** docs/DESIGN.md promise 1: exactly one outcome per event and subscriber, whatever the handlers do. */
class AccountingTest {

    private static final EventType<String> PLACED = EventType.of("order.placed", String.class);
    private static final int EVENTS = 100_000;
    private static final Duration TIMEOUT = Duration.ofMillis(20);

    /** What a handler does with an event; the payload names it, so every outcome can be checked. */
    enum Fault {
        OK(70, null),
        SLOW(10, null), // completes within the timeout
        THROW(4, DeadLetterReason.PERMANENT_ERROR),
        NULL(4, DeadLetterReason.PERMANENT_ERROR),
        PERMANENT(4, DeadLetterReason.PERMANENT_ERROR),
        RETRYABLE(4, DeadLetterReason.RETRIES_EXHAUSTED),
        HANG(2, DeadLetterReason.RETRIES_EXHAUSTED), // the policy's timeout ends each attempt
        LATE(2, DeadLetterReason.RETRIES_EXHAUSTED); // completes, but after the timeout

        final int weight;
        final DeadLetterReason reason;

        Fault(int weight, DeadLetterReason reason) {
            this.weight = weight;
            this.reason = reason;
        }

        static Fault of(String payload) {
            return valueOf(payload.substring(0, payload.indexOf(':')));
        }
    }

    private final VirtualTimeScheduler vts = VirtualTimeScheduler.create();
    private final RecordingStore store = new RecordingStore();
    private final EventBus bus = VirtualTimeBus.create(vts, store);
    private final ResiliencePolicy policy = ResiliencePolicy.builder("faulty")
            .timeout(TIMEOUT)
            .retry(RetrySettings.builder()
                    .maxAttempts(2)
                    .minBackoff(Duration.ofMillis(5))
                    .maxBackoff(Duration.ofMillis(5))
                    .jitter(0)
                    .build())
            .scheduler(vts)
            .build();

    @Test
    void everyEventHasExactlyOneOutcomeUnderRandomizedFaults() {
        SubscriberHandle plain = bus.subscribe(SubscriberSpec.builder("plain", PLACED, this::handle)
                .policy(policy)
                .concurrency(32)
                .maxPublishWait(Duration.ofHours(1))
                .build());
        SubscriberHandle recovering = bus.subscribe(SubscriberSpec.builder("recovering", PLACED, this::handle)
                .policy(policy)
                .concurrency(32)
                .maxPublishWait(Duration.ofHours(1))
                .fallback((event, failure) -> number(event.payload()) % 2 == 0
                        ? Mono.empty()
                        : Mono.error(new IllegalStateException("fallback failed too")))
                .build());
        SubscriberHandle lossy = bus.subscribe(SubscriberSpec.builder("lossy", PLACED, this::handle)
                .policy(policy)
                .concurrency(8)
                .inboxSize(64)
                .overflow(OverflowPolicy.DEAD_LETTER)
                .build());
        List<String> payloads = payloads(new Random(20240601));

        CompletableFuture<Long> published =
                bus.publishAll(PLACED, Flux.fromIterable(payloads)).count().toFuture();
        for (int step = 0; step < 1_000_000 && !published.isDone(); step++) {
            vts.advanceTimeBy(Duration.ofMillis(5));
        }
        CompletableFuture<Void> closed = bus.close(Duration.ofMinutes(1)).toFuture();
        vts.advanceTimeBy(Duration.ofMinutes(2));

        assertThat(published).isCompletedWithValue((long) EVENTS);
        assertThat(closed).isCompleted();
        long succeeding =
                payloads.stream().filter(p -> Fault.of(p).reason == null).count();
        long recoverable = payloads.stream()
                .filter(p -> Fault.of(p).reason != null && number(p) % 2 == 0)
                .count();
        assertThat(plain.stats()).isEqualTo(new SubscriberStats(EVENTS, succeeding, 0, EVENTS - succeeding, 0, 0));
        assertThat(recovering.stats())
                .isEqualTo(
                        new SubscriberStats(EVENTS, succeeding, recoverable, EVENTS - succeeding - recoverable, 0, 0));
        SubscriberStats lossyStats = lossy.stats();
        assertThat(lossyStats.offered()).isEqualTo(EVENTS);
        assertThat(lossyStats.inFlight()).isZero();
        assertThat(lossyStats.balanced()).isTrue();

        assertLetters("plain", plain, letter -> EnumSet.of(Fault.of((String) letter.payload()).reason));
        assertLetters("recovering", recovering, letter -> EnumSet.of(DeadLetterReason.FALLBACK_FAILED));
        assertLetters("lossy", lossy, letter -> {
            DeadLetterReason reason = Fault.of((String) letter.payload()).reason;
            return reason == null
                    ? EnumSet.of(DeadLetterReason.INBOX_OVERFLOW)
                    : EnumSet.of(DeadLetterReason.INBOX_OVERFLOW, reason);
        });
        assertThat(store.reasons("lossy").get(DeadLetterReason.INBOX_OVERFLOW))
                .as("some overflow happened")
                .isPositive();
    }

    private void assertLetters(
            String subscriber, SubscriberHandle handle, Function<DeadLetter, Set<DeadLetterReason>> expected) {
        List<DeadLetter> letters = store.letters(subscriber);
        assertThat((long) letters.size())
                .as(subscriber + " letters")
                .isEqualTo(handle.stats().deadLettered());
        Set<String> events = new HashSet<>();
        for (DeadLetter letter : letters) {
            assertThat(events.add(letter.eventId()))
                    .as("one letter per event: " + letter.payload())
                    .isTrue();
            assertThat(letter.reason()).as(subscriber + " " + letter.payload()).isIn(expected.apply(letter));
            if (letter.reason() == DeadLetterReason.FALLBACK_FAILED) {
                assertThat(Fault.of((String) letter.payload()).reason).isNotNull();
                assertThat(number((String) letter.payload()) % 2).isOne();
            }
        }
    }

    private Publisher<?> handle(Event<String> event) {
        return switch (Fault.of(event.payload())) {
            case OK -> Mono.empty();
            case SLOW -> Mono.delay(TIMEOUT.dividedBy(4), vts);
            case THROW -> throw new Stackless("thrown");
            case NULL -> null;
            case PERMANENT -> Mono.error(new Stackless("permanent"));
            case RETRYABLE -> Mono.error(new IOException("retryable", null) {
                @Override
                public synchronized Throwable fillInStackTrace() {
                    return this;
                }
            });
            case HANG -> Mono.never();
            case LATE -> Mono.delay(TIMEOUT.multipliedBy(2), vts);
        };
    }

    private static List<String> payloads(Random random) {
        Fault[] faults = Fault.values();
        int total = 0;
        for (Fault fault : faults) {
            total += fault.weight;
        }
        String[] payloads = new String[EVENTS];
        for (int i = 0; i < EVENTS; i++) {
            int pick = random.nextInt(total);
            Fault chosen = faults[0];
            for (Fault fault : faults) {
                if (pick < fault.weight) {
                    chosen = fault;
                    break;
                }
                pick -= fault.weight;
            }
            payloads[i] = chosen + ":" + i;
        }
        return List.of(payloads);
    }

    private static int number(String payload) {
        return Integer.parseInt(payload.substring(payload.indexOf(':') + 1));
    }

    /** A handler error without a stack trace, so 100k letters stay small and cheap. */
    private static final class Stackless extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        Stackless(String message) {
            super(message);
        }

        @Override
        public synchronized Throwable fillInStackTrace() {
            return this;
        }
    }
}
