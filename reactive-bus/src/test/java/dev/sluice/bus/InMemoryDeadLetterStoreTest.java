package dev.sluice.bus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import dev.sluice.bus.DeadLetterStore.StoreHealth;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.NoSuchElementException;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

class InMemoryDeadLetterStoreTest {

    private static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");
    private static final Duration WAIT = Duration.ofSeconds(10);

    private final InMemoryDeadLetterStore store = InMemoryDeadLetterStore.create();

    @Test
    void rejectsCapacityBelowOneNamingTheValue() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> InMemoryDeadLetterStore.create(0))
                .withMessage("capacity must be >= 1, but was 0");
        assertThat(InMemoryDeadLetterStore.create().capacity()).isEqualTo(InMemoryDeadLetterStore.DEFAULT_CAPACITY);
    }

    @Test
    void nothingIsStoredUntilSubscribed() {
        Mono<Void> write = store.write(letter("s", "a"));

        assertThat(store.size()).isZero();

        StepVerifier.create(write).verifyComplete();
        assertThat(store.size()).isEqualTo(1);
    }

    @Test
    void writingAnExistingLetterIdChangesNothing() {
        DeadLetter original = letter("s", "a");
        DeadLetter again = withPayload(original, "other payload");
        write(original);

        StepVerifier.create(store.write(again)).verifyComplete();

        StepVerifier.create(store.get("s", "a")).expectNext(original).verifyComplete();
        StepVerifier.create(store.count(DeadLetterQuery.of("s"))).expectNext(1L).verifyComplete();
        assertThat(store.size()).isEqualTo(1);
    }

    @Test
    void fullStoreRefusesNewLettersUntilOneIsDeleted() {
        InMemoryDeadLetterStore small = InMemoryDeadLetterStore.create(2);
        StepVerifier.create(small.write(letter("s", "a"))).verifyComplete();
        StepVerifier.create(small.write(letter("t", "b"))).verifyComplete();

        StepVerifier.create(small.write(letter("s", "c")))
                .expectErrorSatisfies(e -> assertThat(e)
                        .isInstanceOf(DeadLetterStoreFullException.class)
                        .hasMessageContaining("capacity 2"))
                .verify(WAIT);
        StepVerifier.create(small.write(letter("s", "a"))).verifyComplete(); // idempotent even when full

        assertThat(small.health()).isEqualTo(new StoreHealth(StoreHealth.Status.DOWN, "full (capacity 2)"));
        StepVerifier.create(small.delete("s", "a")).expectNext(true).verifyComplete();
        StepVerifier.create(small.write(letter("s", "c"))).verifyComplete();
        StepVerifier.create(small.get("s", "c")).expectNextCount(1).verifyComplete();
        StepVerifier.create(small.delete("s", "c")).expectNext(true).verifyComplete();
        assertThat(small.health()).isEqualTo(StoreHealth.up());
    }

    @Test
    void deletingAMissingLetterReportsFalse() {
        write(letter("s", "a"));

        StepVerifier.create(store.delete("s", "missing")).expectNext(false).verifyComplete();
        StepVerifier.create(store.delete("other", "a")).expectNext(false).verifyComplete();

        assertThat(store.size()).isEqualTo(1);
    }

    @Test
    void listsInInsertionOrderBothWaysHonouringLimit() {
        for (String id : new String[] {"a", "b", "c", "d"}) {
            write(letter("s", id));
        }
        write(letter("other", "x"));

        DeadLetterQuery oldestFirst = DeadLetterQuery.of("s").withPage(0, 3);
        DeadLetterQuery newestFirst = DeadLetterQuery.of("s").withPage(0, 2).withNewestFirst(true);

        StepVerifier.create(store.list(oldestFirst).map(DeadLetter::letterId))
                .expectNext("a", "b", "c")
                .verifyComplete();
        StepVerifier.create(store.list(newestFirst).map(DeadLetter::letterId))
                .expectNext("d", "c")
                .verifyComplete();
        StepVerifier.create(store.list(DeadLetterQuery.of("nobody"))).verifyComplete();
    }

    @Test
    void filtersByTypeReasonAndTimeRange() {
        write(letter("s", "a", "order.placed", DeadLetterReason.RETRIES_EXHAUSTED, T0));
        write(letter("s", "b", "order.placed", DeadLetterReason.CIRCUIT_OPEN, T0.plusSeconds(60)));
        write(letter("s", "c", "order.paid", DeadLetterReason.RETRIES_EXHAUSTED, T0.plusSeconds(120)));
        write(letter("s", "d", "order.placed", DeadLetterReason.RETRIES_EXHAUSTED, T0.plusSeconds(180)));

        DeadLetterQuery byType = DeadLetterQuery.of("s").withEventType("order.placed");
        DeadLetterQuery byReason = DeadLetterQuery.of("s")
                .withReason(DeadLetterReason.RETRIES_EXHAUSTED)
                .withNewestFirst(true);
        // from inclusive, to exclusive: b (T0+60s) and c (T0+120s), not d (T0+180s)
        DeadLetterQuery byTime = DeadLetterQuery.of("s").withTimeRange(T0.plusSeconds(60), T0.plusSeconds(180));

        StepVerifier.create(store.list(byType).map(DeadLetter::letterId))
                .expectNext("a", "b", "d")
                .verifyComplete();
        StepVerifier.create(store.list(byReason).map(DeadLetter::letterId))
                .expectNext("d", "c", "a")
                .verifyComplete();
        StepVerifier.create(store.list(byTime).map(DeadLetter::letterId))
                .expectNext("b", "c")
                .verifyComplete();
        StepVerifier.create(store.count(byType)).expectNext(3L).verifyComplete();
        StepVerifier.create(store.count(byReason)).expectNext(3L).verifyComplete();
        StepVerifier.create(store.count(byTime)).expectNext(2L).verifyComplete();
    }

    @Test
    void replaceKeepsLetterIdAndMovesItToTheNewestEnd() {
        write(letter("s", "a"));
        write(letter("s", "b"));
        write(letter("s", "c"));
        DeadLetter redriven = redrivenAgain(letter("s", "b"));

        StepVerifier.create(store.replace(redriven, null)).verifyComplete();

        StepVerifier.create(store.list(DeadLetterQuery.of("s")))
                .assertNext(l -> assertThat(l.letterId()).isEqualTo("a"))
                .assertNext(l -> assertThat(l.letterId()).isEqualTo("c"))
                .assertNext(l -> assertThat(l).isEqualTo(redriven))
                .verifyComplete();
        StepVerifier.create(store.get("s", "b").map(DeadLetter::redriveCount))
                .expectNext(1)
                .verifyComplete();
        assertThat(store.size()).isEqualTo(3);
    }

    @Test
    void replacingAMissingLetterSignalsNoSuchElementNamingTheId() {
        write(letter("s", "a"));

        StepVerifier.create(store.replace(letter("s", "ghost"), null))
                .expectErrorSatisfies(e ->
                        assertThat(e).isInstanceOf(NoSuchElementException.class).hasMessageContaining("ghost"))
                .verify(WAIT);

        StepVerifier.create(store.get("s", "ghost")).verifyComplete();
    }

    @Test
    void purgeDeletesOnlyThatSubscribersLettersAndCountsThem() {
        write(letter("s", "a"));
        write(letter("s", "b"));
        write(letter("s", "c"));
        write(letter("other", "a"));

        StepVerifier.create(store.purge("s")).expectNext(3L).verifyComplete();

        StepVerifier.create(store.count(DeadLetterQuery.of("s"))).expectNext(0L).verifyComplete();
        StepVerifier.create(store.get("other", "a")).expectNextCount(1).verifyComplete();
        StepVerifier.create(store.purge("s")).expectNext(0L).verifyComplete();
        StepVerifier.create(store.purge("nobody")).expectNext(0L).verifyComplete();
        assertThat(store.size()).isEqualTo(1);
    }

    @Test
    void refuseWritesSwitchRefusesAndThenAcceptsAgain() {
        store.refuseWrites(true);

        StepVerifier.create(store.write(letter("s", "a")))
                .expectErrorSatisfies(e -> assertThat(e)
                        .isInstanceOf(IllegalStateException.class)
                        .hasMessage("store refusing writes (test switch)"))
                .verify(WAIT);
        assertThat(store.health().status()).isEqualTo(StoreHealth.Status.DOWN);
        assertThat(store.size()).isZero();

        store.refuseWrites(false);
        StepVerifier.create(store.write(letter("s", "a"))).verifyComplete();
        StepVerifier.create(store.get("s", "a")).expectNextCount(1).verifyComplete();
        assertThat(store.health()).isEqualTo(StoreHealth.up());
    }

    @Test
    void concurrentWritesFromSeveralThreadsStoreEachLetterExactlyOnce() {
        int threads = 4, perThread = 5_000;
        Scheduler scheduler = Schedulers.newParallel("dlq-writers", threads);
        // Every id is written by two threads, so idempotency and capacity accounting race too.
        Flux<Void> writes = Flux.range(0, threads).flatMap(t -> Flux.range(0, perThread)
                .concatMap(i ->
                        store.write(letter("s", id(t, i))).then(store.write(letter("s", id((t + 1) % threads, i)))))
                .subscribeOn(scheduler));

        try {
            StepVerifier.create(writes).expectComplete().verify(Duration.ofSeconds(30));
        } finally {
            scheduler.dispose();
        }

        int total = threads * perThread;
        assertThat(store.size()).isEqualTo(total);
        StepVerifier.create(store.count(DeadLetterQuery.of("s")))
                .expectNext((long) total)
                .verifyComplete();
        StepVerifier.create(Flux.range(0, threads)
                        .flatMap(t -> Flux.range(0, perThread).flatMap(i -> store.get("s", id(t, i))))
                        .count())
                .expectNext((long) total)
                .verifyComplete();
        StepVerifier.create(store.purge("s")).expectNext((long) total).verifyComplete();
        assertThat(store.size()).isZero();
    }

    @Test
    void pagesByOffsetAndLimit() {
        for (String id : new String[] {"a", "b", "c", "d", "e"}) {
            write(letter("s", id));
        }

        StepVerifier.create(store.list(DeadLetterQuery.of("s").withPage(1, 2)).map(DeadLetter::letterId))
                .expectNext("b", "c")
                .verifyComplete();
        StepVerifier.create(store.list(DeadLetterQuery.of("s").withPage(4, 2).withNewestFirst(true))
                        .map(DeadLetter::letterId))
                .expectNext("a")
                .verifyComplete();
    }

    @Test
    void claimDueLeasesDueLettersOnceUntilTheLeaseEnds() {
        StepVerifier.create(store.write(letter("s", "due"), T0.plusSeconds(1))).verifyComplete();
        StepVerifier.create(store.write(letter("s", "later"), T0.plusSeconds(60)))
                .verifyComplete();
        write(letter("s", "unscheduled"));
        Duration lease = Duration.ofSeconds(30);

        StepVerifier.create(store.claimDue("s", T0, lease, 10)).verifyComplete();
        StepVerifier.create(store.claimDue("s", T0.plusSeconds(1), lease, 10).map(DeadLetter::letterId))
                .expectNext("due")
                .verifyComplete();
        StepVerifier.create(store.claimDue("s", T0.plusSeconds(2), lease, 10)).verifyComplete();
        StepVerifier.create(store.claim("s", "due", T0.plusSeconds(2), lease)).verifyComplete();
        // the claimer "died": when its lease ends the letter is due again
        StepVerifier.create(store.claimDue("s", T0.plusSeconds(31), lease, 10).map(DeadLetter::letterId))
                .expectNext("due")
                .verifyComplete();
    }

    @Test
    void replaceReschedulesAndReleasesTheLease() {
        StepVerifier.create(store.write(letter("s", "a"), T0)).verifyComplete();
        StepVerifier.create(store.claimDue("s", T0, Duration.ofMinutes(5), 10))
                .expectNextCount(1)
                .verifyComplete();

        StepVerifier.create(store.replace(redrivenAgain(letter("s", "a")), T0.plusSeconds(5)))
                .verifyComplete();

        StepVerifier.create(store.claimDue("s", T0.plusSeconds(4), Duration.ofMinutes(5), 10))
                .verifyComplete();
        StepVerifier.create(store.claimDue("s", T0.plusSeconds(5), Duration.ofMinutes(5), 10)
                        .map(DeadLetter::redriveCount))
                .expectNext(1)
                .verifyComplete();
    }

    @Test
    void parkedLettersLeaveTheScheduleAndListOnlyOnTheParkedSide() {
        StepVerifier.create(store.write(letter("s", "a"), T0)).verifyComplete();
        write(letter("s", "b"));

        StepVerifier.create(store.park(redrivenAgain(letter("s", "a")))).verifyComplete();

        StepVerifier.create(store.claimDue("s", T0.plusSeconds(60), Duration.ofMinutes(1), 10))
                .verifyComplete();
        StepVerifier.create(store.list(DeadLetterQuery.of("s")).map(DeadLetter::letterId))
                .expectNext("b")
                .verifyComplete();
        StepVerifier.create(store.list(DeadLetterQuery.of("s").withParked(true)).map(DeadLetter::letterId))
                .expectNext("a")
                .verifyComplete();
        StepVerifier.create(store.count(DeadLetterQuery.of("s").withParked(true)))
                .expectNext(1L)
                .verifyComplete();
        StepVerifier.create(store.get("s", "a").map(DeadLetter::redriveCount))
                .expectNext(1)
                .verifyComplete();
        StepVerifier.create(store.park(letter("s", "ghost")))
                .expectError(NoSuchElementException.class)
                .verify(WAIT);
    }

    private void write(DeadLetter letter) {
        StepVerifier.create(store.write(letter)).expectComplete().verify(WAIT);
    }

    private static String id(int thread, int i) {
        return thread + "-" + i;
    }

    private static DeadLetter letter(String subscriber, String letterId) {
        return letter(subscriber, letterId, "order.placed", DeadLetterReason.RETRIES_EXHAUSTED, T0);
    }

    private static DeadLetter letter(
            String subscriber, String letterId, String type, DeadLetterReason reason, Instant deadLetteredAt) {
        return new DeadLetter(
                letterId,
                "event-" + letterId,
                type,
                null,
                subscriber,
                "payload of " + letterId,
                Map.of("source", "test"),
                deadLetteredAt.minusSeconds(1),
                deadLetteredAt,
                deadLetteredAt,
                reason,
                "java.io.IOException",
                "boom",
                null,
                null,
                3,
                0,
                "test-instance");
    }

    private static DeadLetter withPayload(DeadLetter l, Object payload) {
        return new DeadLetter(
                l.letterId(),
                l.eventId(),
                l.eventType(),
                l.eventKey(),
                l.subscriber(),
                payload,
                l.headers(),
                l.publishedAt(),
                l.deadLetteredAt(),
                l.lastFailedAt(),
                l.reason(),
                l.errorClass(),
                l.errorMessage(),
                l.causeClass(),
                l.stackTrace(),
                l.attempts(),
                l.redriveCount(),
                l.instance());
    }

    private static DeadLetter redrivenAgain(DeadLetter l) {
        return new DeadLetter(
                l.letterId(),
                l.eventId(),
                l.eventType(),
                l.eventKey(),
                l.subscriber(),
                l.payload(),
                l.headers(),
                l.publishedAt(),
                l.deadLetteredAt(),
                l.lastFailedAt().plusSeconds(5),
                l.reason(),
                "java.util.concurrent.TimeoutException",
                "still down",
                null,
                null,
                1,
                l.redriveCount() + 1,
                l.instance());
    }
}
