package dev.sluice.bus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.policy.ResiliencePolicy;
import dev.sluice.policy.internal.SchedulerClock;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;
import reactor.test.scheduler.VirtualTimeScheduler;

/** Manual and scheduled redrive through the subscriber's own chain, on the in-memory store under virtual time. */
class RedriveTest {

    private static final EventType<String> PLACED = EventType.of("order.placed", String.class);

    private final VirtualTimeScheduler vts = VirtualTimeScheduler.create();
    private final InMemoryDeadLetterStore store = InMemoryDeadLetterStore.create();
    private final EventBus bus = EventBus.builder()
            .deadLetterStore(store)
            .scheduler(vts)
            .clock(new SchedulerClock(vts))
            .deliveryScheduler(Schedulers.immediate())
            .instance("node-a")
            .build();
    private final AtomicBoolean healthy = new AtomicBoolean(false);
    private final List<String> handled = new CopyOnWriteArrayList<>();

    @AfterEach
    void close() {
        CompletableFuture<Void> closed = bus.close(Duration.ofSeconds(5)).toFuture();
        vts.advanceTimeBy(Duration.ofSeconds(10));
        assertThat(closed).isCompleted();
        vts.dispose();
    }

    private SubscriberSpec.Builder<String> email() {
        return SubscriberSpec.builder("email", PLACED, event -> {
            handled.add(event.payload() + "@" + vts.now(java.util.concurrent.TimeUnit.MILLISECONDS));
            return healthy.get() ? Mono.empty() : Mono.error(new IllegalStateException("smtp down"));
        });
    }

    private DeadLetter onlyLetter(boolean parked) {
        List<DeadLetter> letters = store.list(DeadLetterQuery.of("email").withParked(parked))
                .collectList()
                .block(Duration.ofSeconds(1));
        assertThat(letters).hasSize(1);
        return letters.get(0);
    }

    private void publish(String payload) {
        StepVerifier.create(bus.publish(PLACED, "k-" + payload, payload))
                .expectNextCount(1)
                .verifyComplete();
    }

    @Test
    void successfulRedriveDeletesTheLetterAndLeavesTheAccountingAlone() {
        SubscriberHandle handle = bus.subscribe(email().build());
        publish("o-1");
        DeadLetter letter = onlyLetter(false);
        SubscriberStats before = handle.stats();
        healthy.set(true);

        StepVerifier.create(bus.redrive(DeadLetterQuery.of("email")))
                .assertNext(result -> {
                    assertThat(result.status()).isEqualTo(RedriveResult.Status.DELIVERED);
                    assertThat(result.letterId()).isEqualTo(letter.letterId());
                    assertThat(result.eventId()).isEqualTo(letter.eventId());
                })
                .verifyComplete();

        assertThat(store.size()).isZero();
        assertThat(handle.stats()).isEqualTo(before);
        assertThat(handled).containsExactly("o-1@0", "o-1@0");
    }

    @Test
    void redriveRebuildsTheOriginalEvent() {
        List<Event<String>> seen = new CopyOnWriteArrayList<>();
        bus.subscribe(SubscriberSpec.builder("email", PLACED, event -> {
                    seen.add(event);
                    return seen.size() == 1 ? Mono.error(new IllegalStateException("first fails")) : Mono.empty();
                })
                .build());
        StepVerifier.create(
                        bus.publish(PLACED, "k-1", "o-1").contextWrite(ctx -> ctx.put(Event.CORRELATION_ID, "corr-7")))
                .expectNextCount(1)
                .verifyComplete();
        vts.advanceTimeBy(Duration.ofMinutes(3));

        StepVerifier.create(bus.redrive(DeadLetterQuery.of("email")).map(RedriveResult::status))
                .expectNext(RedriveResult.Status.DELIVERED)
                .verifyComplete();

        assertThat(seen).hasSize(2);
        assertThat(seen.get(1)).isEqualTo(seen.get(0)); // same id, key, payload, headers and publishedAt
        assertThat(seen.get(1).headers()).containsEntry(Event.CORRELATION_ID, "corr-7");
    }

    @Test
    void failedRedriveReplacesTheLetterUnderTheSameIdWithTheNewError() {
        bus.subscribe(email().build());
        publish("o-1");
        DeadLetter first = onlyLetter(false);
        vts.advanceTimeBy(Duration.ofSeconds(7));

        StepVerifier.create(bus.redrive(DeadLetterQuery.of("email")))
                .assertNext(result -> {
                    assertThat(result.status()).isEqualTo(RedriveResult.Status.FAILED);
                    assertThat(result.redriveCount()).isEqualTo(1);
                    assertThat(result.reason()).isEqualTo(DeadLetterReason.PERMANENT_ERROR);
                    assertThat(result.error()).isEqualTo("smtp down");
                })
                .verifyComplete();

        DeadLetter again = onlyLetter(false);
        assertThat(again.letterId()).isEqualTo(first.letterId());
        assertThat(again.redriveCount()).isEqualTo(1);
        assertThat(again.deadLetteredAt()).isEqualTo(first.deadLetteredAt());
        assertThat(again.lastFailedAt()).isEqualTo(first.lastFailedAt().plusSeconds(7));
        assertThat(again.instance()).isEqualTo("node-a");
    }

    @Test
    void fallbackRecoveryCountsAsRecoveredAndDeletesTheLetter() {
        AtomicBoolean fallbackWorks = new AtomicBoolean(false);
        bus.subscribe(email().fallback((event, failure) ->
                        fallbackWorks.get() ? Mono.empty() : Mono.error(new IllegalStateException("fallback down")))
                .build());
        publish("o-1");
        assertThat(onlyLetter(false).reason()).isEqualTo(DeadLetterReason.FALLBACK_FAILED);
        fallbackWorks.set(true);

        StepVerifier.create(bus.redrive(DeadLetterQuery.of("email")).map(RedriveResult::status))
                .expectNext(RedriveResult.Status.RECOVERED)
                .verifyComplete();

        assertThat(store.size()).isZero();
    }

    @Test
    void aPayloadThatNoLongerDeserializesIsParkedNotLost() {
        bus.subscribe(email().build());
        List<SystemEvents.DeadLetterParked> parked = new CopyOnWriteArrayList<>();
        bus.subscribe(SubscriberSpec.builder(
                        "audit", SystemEvents.DEAD_LETTER_PARKED, e -> Mono.fromRunnable(() -> parked.add(e.payload())))
                .build());
        DeadLetter foreign = letter("email", "letter-1", "order.placed", 42, DeadLetterReason.PERMANENT_ERROR);
        StepVerifier.create(store.write(foreign)).verifyComplete();

        StepVerifier.create(bus.redrive(DeadLetterQuery.of("email")))
                .assertNext(result -> {
                    assertThat(result.status()).isEqualTo(RedriveResult.Status.PARKED);
                    assertThat(result.reason()).isEqualTo(DeadLetterReason.DESERIALIZATION_FAILED);
                })
                .verifyComplete();

        DeadLetter kept = onlyLetter(true);
        assertThat(kept.letterId()).isEqualTo("letter-1");
        assertThat(kept.payload()).isEqualTo(42);
        assertThat(kept.errorMessage()).contains("java.lang.Integer");
        assertThat(handled).isEmpty();
        assertThat(parked).extracting(SystemEvents.DeadLetterParked::letterId).containsExactly("letter-1");
    }

    @Test
    void aLetterLeasedByAnotherInstanceIsSkipped() {
        bus.subscribe(email().build());
        publish("o-1");
        DeadLetter letter = onlyLetter(false);
        StepVerifier.create(store.claim("email", letter.letterId(), Instant.EPOCH, Duration.ofMinutes(1)))
                .expectNextCount(1)
                .verifyComplete();
        healthy.set(true);

        StepVerifier.create(bus.redrive(DeadLetterQuery.of("email")).map(RedriveResult::status))
                .expectNext(RedriveResult.Status.SKIPPED)
                .verifyComplete();

        assertThat(store.size()).isEqualTo(1);
        assertThat(handled).hasSize(1);
    }

    @Test
    void scheduledRedriveFollowsTheDelaysThenParksAndSaysSo() {
        bus.subscribe(email().redrive(RedrivePolicy.custom()
                        .delays(Duration.ofSeconds(1), Duration.ofSeconds(5))
                        .build())
                .build());
        List<SystemEvents.DeadLetterParked> parked = new CopyOnWriteArrayList<>();
        bus.subscribe(SubscriberSpec.builder(
                        "audit", SystemEvents.DEAD_LETTER_PARKED, e -> Mono.fromRunnable(() -> parked.add(e.payload())))
                .build());

        publish("o-1");
        vts.advanceTimeBy(Duration.ofSeconds(1));
        assertThat(onlyLetter(false).redriveCount()).isEqualTo(1);
        vts.advanceTimeBy(Duration.ofSeconds(4));
        assertThat(handled).containsExactly("o-1@0", "o-1@1000");
        vts.advanceTimeBy(Duration.ofSeconds(1));

        assertThat(handled).containsExactly("o-1@0", "o-1@1000", "o-1@6000");
        DeadLetter letter = onlyLetter(true);
        assertThat(letter.redriveCount()).isEqualTo(2);
        assertThat(parked).singleElement().satisfies(event -> {
            assertThat(event.letterId()).isEqualTo(letter.letterId());
            assertThat(event.redriveCount()).isEqualTo(2);
        });
        vts.advanceTimeBy(Duration.ofMinutes(10));
        assertThat(handled).hasSize(3); // parked letters are not redriven on schedule
    }

    @Test
    void scheduledRedriveDeletesTheLetterOnceTheHandlerRecovers() {
        bus.subscribe(email().redrive(RedrivePolicy.ofDefaults()).build());
        publish("o-1");
        vts.advanceTimeBy(Duration.ofSeconds(1)); // first redrive fails: due again 5 s later
        healthy.set(true);

        vts.advanceTimeBy(Duration.ofSeconds(5));

        assertThat(handled).containsExactly("o-1@0", "o-1@1000", "o-1@6000");
        assertThat(store.size()).isZero();
    }

    @Test
    void circuitOpenLettersAreRedrivenWhenTheBreakerClosesAgain() {
        ResiliencePolicy policy = ResiliencePolicy.builder("smtp")
                .circuitBreaker(CircuitBreakerConfig.custom()
                        .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                        .slidingWindowSize(2)
                        .minimumNumberOfCalls(2)
                        .waitDurationInOpenState(Duration.ofSeconds(10))
                        .permittedNumberOfCallsInHalfOpenState(1)
                        .build())
                .scheduler(vts)
                .build();
        bus.subscribe(email().policy(policy)
                .onBreakerOpen(BreakerOpenPolicy.DEAD_LETTER)
                .redrive(RedrivePolicy.custom().delays(Duration.ofHours(1)).build())
                .build());
        for (int i = 1; i <= 4; i++) {
            publish("o-" + i);
        }
        assertThat(store.count(DeadLetterQuery.of("email").withReason(DeadLetterReason.CIRCUIT_OPEN))
                        .block(Duration.ofSeconds(1)))
                .isEqualTo(2);
        healthy.set(true);
        vts.advanceTimeBy(Duration.ofSeconds(11));

        publish("o-5"); // the half-open trial call succeeds and closes the breaker

        assertThat(handled).containsExactly("o-1@0", "o-2@0", "o-5@11000", "o-3@11000", "o-4@11000");
        StepVerifier.create(store.list(DeadLetterQuery.of("email")).map(DeadLetter::payload))
                .expectNext("o-1", "o-2") // the other reasons wait for their schedule
                .verifyComplete();
        assertThat(policy.circuitBreaker().getState()).isEqualTo(CircuitBreaker.State.CLOSED);
    }

    @Test
    void scheduledRedriveWaitsWhileLiveEventsFillTheInbox() {
        Sinks.Empty<Void> release = Sinks.empty();
        bus.subscribe(SubscriberSpec.builder("email", PLACED, event -> {
                    handled.add(event.payload());
                    return event.payload().startsWith("live") ? release.asMono() : Mono.empty();
                })
                .inboxSize(4)
                .redrive(RedrivePolicy.custom().delays(Duration.ZERO).build())
                .build());
        DeadLetter old = letter("email", "letter-1", "order.placed", "redriven", DeadLetterReason.INBOX_OVERFLOW);
        StepVerifier.create(store.write(old, Instant.EPOCH)).verifyComplete();
        for (int i = 1; i <= 3; i++) { // one being handled, two waiting: the inbox of 4 is half full
            publish("live-" + i);
        }

        vts.advanceTimeBy(Duration.ofSeconds(5));
        assertThat(handled).containsExactly("live-1");
        release.tryEmitEmpty(); // every live event completes at once now
        vts.advanceTimeBy(Duration.ofSeconds(1));

        assertThat(handled).containsExactly("live-1", "live-2", "live-3", "redriven");
        assertThat(store.size()).isZero();
    }

    @Test
    void redriveOfAnUnknownSubscriberIsRejectedByName() {
        assertThatThrownBy(() -> bus.redrive(DeadLetterQuery.of("ghost")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'ghost'");
    }

    /** Return a letter written by another instance ("node-b") at the epoch, as a store would hold it. */
    static DeadLetter letter(
            String subscriber, String letterId, String eventType, Object payload, DeadLetterReason reason) {
        return new DeadLetter(
                letterId,
                "event-" + letterId,
                eventType,
                null,
                subscriber,
                payload,
                Map.of(),
                Instant.EPOCH,
                Instant.EPOCH,
                Instant.EPOCH,
                reason,
                null,
                null,
                null,
                null,
                1,
                0,
                "node-b");
    }
}
