package dev.sluice.bus.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.bus.DeadLetter;
import dev.sluice.bus.DeadLetterQuery;
import dev.sluice.bus.DeadLetterReason;
import dev.sluice.bus.DeadLetterStore.StoreHealth;
import dev.sluice.bus.redis.TestLetters.Order;
import dev.sluice.testsupport.RedisExtension;
import dev.sluice.testsupport.TestRedis;
import io.lettuce.core.Range;
import io.lettuce.core.StreamMessage;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

/** The store against a real Redis, under BlockHound: layout, idempotency, inspection, changes and leases. */
@Tag("integration")
@ExtendWith(RedisExtension.class)
class RedisDeadLetterStoreIntegrationTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
    private static final Duration LEASE = Duration.ofSeconds(30);

    @TempDir
    Path journalDir;

    private TestRedis redis;
    private RedisDeadLetterStore store;

    @BeforeEach
    void start(TestRedis redis) {
        this.redis = redis;
        this.store = StoreFixture.store(redis, journalDir);
    }

    @AfterEach
    void stop() {
        StepVerifier.create(store.closeGracefully()).expectComplete().verify(WAIT);
    }

    @Test
    void everyFieldSurvivesARoundTrip() {
        DeadLetter letter = TestLetters.letter("billing", "L1");

        StepVerifier.create(store.write(letter).then(store.get("billing", "L1")))
                .assertNext(read -> {
                    assertThat(read)
                            .usingRecursiveComparison()
                            .ignoringFields("payload")
                            .isEqualTo(letter);
                    assertThat(store.decodePayload(read, Order.class)).isEqualTo(letter.payload());
                })
                .expectComplete()
                .verify(WAIT);
        assertThat(store.health()).isEqualTo(StoreHealth.up());
    }

    @Test
    void entriesAreFlatFieldsAnyClientCanReadWithXrange() {
        DeadLetter letter = TestLetters.letter("billing", "L1");
        StepVerifier.create(store.write(letter)).expectComplete().verify(WAIT);

        List<StreamMessage<String, String>> entries =
                redis.connect().sync().xrange(redis.keyPrefix() + "sluice:dlq:{billing}", Range.create("-", "+"));

        assertThat(entries).hasSize(1);
        Map<String, String> body = entries.get(0).getBody();
        assertThat(body.keySet()).containsExactlyInAnyOrderElementsOf(LetterCodec.FIELDS);
        assertThat(body)
                .containsEntry("format", "1")
                .containsEntry("letter_id", "L1")
                .containsEntry("event_id", "event-L1")
                .containsEntry("event_type", "order.placed")
                .containsEntry("event_key", "key-L1")
                .containsEntry("subscriber", "billing")
                .containsEntry("payload", "{\"id\":\"o-L1\",\"quantity\":3,\"note\":\"fragile\"}")
                .containsEntry("published_at", "2026-01-01T00:00:00Z")
                .containsEntry("dead_lettered_at", "2026-01-01T00:00:01Z")
                .containsEntry("last_failed_at", "2026-01-01T00:00:02.123Z")
                .containsEntry("reason", "RETRIES_EXHAUSTED")
                .containsEntry("error_class", "java.io.IOException")
                .containsEntry("error_message", "connection reset by peer")
                .containsEntry("cause_class", "java.net.SocketException")
                .containsEntry("stack_trace", letter.stackTrace())
                .containsEntry("attempts", "3")
                .containsEntry("redrive_count", "0")
                .containsEntry("instance", "instance-a");
        assertThat(body.get("headers")).contains("\"tenant\":\"acme\"");
    }

    @Test
    void writingTheSameLetterTwiceStoresItOnce() {
        DeadLetter letter = TestLetters.letter("billing", "L1");

        StepVerifier.create(Flux.range(0, 10).flatMap(i -> store.write(letter)).then(store.count(query())))
                .expectNext(1L)
                .expectComplete()
                .verify(WAIT);
    }

    @Test
    void listsFilterByTypeReasonAndTimeAndPageBothWays() {
        Instant t0 = Instant.parse("2026-02-01T00:00:00Z");
        Flux<DeadLetter> letters = Flux.range(0, 450)
                .map(i -> TestLetters.with(
                        TestLetters.letter("billing", "L" + i),
                        i % 2 == 0 ? "order.placed" : "order.paid",
                        i % 3 == 0 ? DeadLetterReason.CIRCUIT_OPEN : DeadLetterReason.RETRIES_EXHAUSTED,
                        t0.plusSeconds(i)));
        StepVerifier.create(letters.concatMap(store::write)).expectComplete().verify(WAIT);

        assertThat(ids(query().withPage(0, 3))).containsExactly("L0", "L1", "L2");
        assertThat(ids(query().withPage(398, 4))).containsExactly("L398", "L399", "L400", "L401");
        assertThat(ids(query().withNewestFirst(true).withPage(0, 2))).containsExactly("L449", "L448");
        assertThat(ids(query().withNewestFirst(true).withPage(250, 2))).containsExactly("L199", "L198");
        assertThat(ids(query().withEventType("order.paid").withPage(0, 3))).containsExactly("L1", "L3", "L5");
        assertThat(ids(query().withReason(DeadLetterReason.CIRCUIT_OPEN)
                        .withEventType("order.paid")
                        .withPage(1, 2)))
                .containsExactly("L9", "L15");
        assertThat(ids(query().withTimeRange(t0.plusSeconds(10), t0.plusSeconds(13))
                        .withPage(0, 100)))
                .containsExactly("L10", "L11", "L12");
        assertThat(count(query())).isEqualTo(450L);
        assertThat(count(query().withEventType("order.placed"))).isEqualTo(225L);
        assertThat(count(query().withReason(DeadLetterReason.CIRCUIT_OPEN))).isEqualTo(150L);
        assertThat(count(query().withTimeRange(null, t0.plusSeconds(100)))).isEqualTo(100L);
        assertThat(count(query().withParked(true))).isZero();
        assertThat(ids(DeadLetterQuery.of("nobody"))).isEmpty();
    }

    @Test
    void replaceKeepsTheIdMovesTheLetterToTheNewestEndAndReschedulesIt() {
        write("L1", "L2", "L3");
        DeadLetter l1 = store.get("billing", "L1").block(WAIT);

        StepVerifier.create(store.replace(TestLetters.redriven(l1, "still failing"), NOW.plusSeconds(5)))
                .expectComplete()
                .verify(WAIT);

        assertThat(ids(query())).containsExactly("L2", "L3", "L1");
        DeadLetter replaced = store.get("billing", "L1").block(WAIT);
        assertThat(replaced.redriveCount()).isEqualTo(1);
        assertThat(replaced.errorMessage()).isEqualTo("still failing");
        assertThat(replaced.deadLetteredAt()).isEqualTo(l1.deadLetteredAt());
        assertThat(store.decodePayload(replaced, Order.class)).isEqualTo(new Order("o-L1", 3, "fragile"));
        assertThat(count(query())).isEqualTo(3L);
        assertThat(claimDue(NOW.plusSeconds(4))).isEmpty();
        assertThat(claimDue(NOW.plusSeconds(5))).containsExactly("L1");
    }

    @Test
    void replaceOrParkOfAnUnknownLetterSignalsNoSuchElement() {
        DeadLetter ghost = TestLetters.letter("billing", "ghost");

        StepVerifier.create(store.replace(ghost, null))
                .expectErrorSatisfies(e ->
                        assertThat(e).isInstanceOf(NoSuchElementException.class).hasMessageContaining("ghost"))
                .verify(WAIT);
        StepVerifier.create(store.park(ghost))
                .expectError(NoSuchElementException.class)
                .verify(WAIT);
    }

    @Test
    void parkedLettersLeaveTheLiveSideAndScheduledRedriveButStayReachableById() {
        DeadLetter l1 = TestLetters.letter("billing", "L1");
        StepVerifier.create(store.write(l1, NOW).then(store.write(TestLetters.letter("billing", "L2"))))
                .expectComplete()
                .verify(WAIT);

        StepVerifier.create(store.park(TestLetters.redriven(l1, "gave up")))
                .expectComplete()
                .verify(WAIT);

        assertThat(ids(query())).containsExactly("L2");
        assertThat(ids(query().withParked(true))).containsExactly("L1");
        assertThat(count(query().withParked(true))).isEqualTo(1L);
        assertThat(claimDue(NOW.plusSeconds(60))).isEmpty();
        assertThat(store.get("billing", "L1").block(WAIT).errorMessage()).isEqualTo("gave up");
        StepVerifier.create(store.replace(TestLetters.redriven(l1, "parked still"), NOW))
                .expectComplete()
                .verify(WAIT);
        assertThat(ids(query().withParked(true))).containsExactly("L1");
        assertThat(claimDue(NOW.plusSeconds(60))).isEmpty();
    }

    @Test
    void deleteAndPurgeRemoveLettersOnBothSides() {
        write("L1", "L2", "L3");
        StepVerifier.create(store.park(store.get("billing", "L3").block(WAIT)))
                .expectComplete()
                .verify(WAIT);

        StepVerifier.create(store.delete("billing", "L1"))
                .expectNext(true)
                .expectComplete()
                .verify(WAIT);
        StepVerifier.create(store.delete("billing", "L1"))
                .expectNext(false)
                .expectComplete()
                .verify(WAIT);
        StepVerifier.create(store.get("billing", "L1")).expectComplete().verify(WAIT);
        StepVerifier.create(store.purge("billing"))
                .expectNext(2L)
                .expectComplete()
                .verify(WAIT);

        assertThat(count(query())).isZero();
        assertThat(count(query().withParked(true))).isZero();
        assertThat(redis.connect().sync().keys(redis.keyPrefix() + "sluice:*")).isEmpty();
        // a purged id may be written again
        write("L1");
        assertThat(ids(query())).containsExactly("L1");
    }

    @Test
    void claimLeasesALetterOnceUntilTheLeaseEnds() {
        write("L1");

        StepVerifier.create(store.claim("billing", "L1", NOW, LEASE))
                .assertNext(letter -> assertThat(letter.letterId()).isEqualTo("L1"))
                .expectComplete()
                .verify(WAIT);
        StepVerifier.create(store.claim("billing", "L1", NOW.plusSeconds(29), LEASE))
                .expectComplete()
                .verify(WAIT);
        StepVerifier.create(store.claim("billing", "L1", NOW.plusSeconds(30), LEASE))
                .expectNextCount(1)
                .expectComplete()
                .verify(WAIT);
        StepVerifier.create(store.claim("billing", "nope", NOW, LEASE))
                .expectComplete()
                .verify(WAIT);
    }

    @Test
    void replacingALetterReleasesItsLease() {
        write("L1");
        DeadLetter claimed = store.claim("billing", "L1", NOW, LEASE).block(WAIT);

        StepVerifier.create(store.replace(TestLetters.redriven(claimed, "x"), null))
                .expectComplete()
                .verify(WAIT);

        StepVerifier.create(store.claim("billing", "L1", NOW.plusSeconds(1), LEASE))
                .expectNextCount(1)
                .expectComplete()
                .verify(WAIT);
    }

    @Test
    void claimDueTakesDueLettersEarliestFirstAndMovesTheirDueTimeToTheLeaseEnd() {
        StepVerifier.create(store.write(TestLetters.letter("billing", "late"), NOW.plusSeconds(3))
                        .then(store.write(TestLetters.letter("billing", "early"), NOW.plusSeconds(1)))
                        .then(store.write(TestLetters.letter("billing", "future"), NOW.plusSeconds(100)))
                        .then(store.write(TestLetters.letter("billing", "unscheduled"))))
                .expectComplete()
                .verify(WAIT);

        assertThat(claimDue(NOW)).isEmpty();
        assertThat(claimDue(NOW.plusSeconds(5))).containsExactly("early", "late");
        assertThat(claimDue(NOW.plusSeconds(6))).isEmpty();
        // the claimer "died": due again when its lease ends (NOW + 35), still before "future"
        assertThat(claimDue(NOW.plusSeconds(35))).containsExactly("early", "late");
        assertThat(claimDue(NOW.plusSeconds(200))).containsExactly("early", "late", "future");
    }

    @Test
    void claimDueSkipsLettersHeldByClaimAndRespectsTheLimit() {
        StepVerifier.create(Flux.range(0, 10)
                        .concatMap(i -> store.write(TestLetters.letter("billing", "L" + i), NOW.plusMillis(i))))
                .expectComplete()
                .verify(WAIT);
        StepVerifier.create(store.claim("billing", "L0", NOW, LEASE)
                        .then(store.claim("billing", "L1", NOW, LEASE))
                        .then())
                .expectComplete()
                .verify(WAIT);

        assertThat(claimDue(NOW.plusSeconds(1), 3)).containsExactly("L2", "L3", "L4");
        assertThat(claimDue(NOW.plusSeconds(1), 100)).containsExactly("L5", "L6", "L7", "L8", "L9");
    }

    @Test
    void twoStoresOnOneRedisClaimEachDueLetterOnceUntilAnExpiredLeaseFreesIt(@TempDir Path otherJournalDir) {
        RedisDeadLetterStore other = StoreFixture.store(redis, otherJournalDir);
        try {
            StepVerifier.create(
                            Flux.range(0, 200).flatMap(i -> store.write(TestLetters.letter("billing", "L" + i), NOW)))
                    .expectComplete()
                    .verify(WAIT);

            // both instances poll concurrently, many small batches each
            List<String> claimed = Flux.merge(
                            Flux.range(0, 30).flatMap(i -> store.claimDue("billing", NOW, LEASE, 7), 4),
                            Flux.range(0, 30).flatMap(i -> other.claimDue("billing", NOW, LEASE, 7), 4))
                    .map(DeadLetter::letterId)
                    .collectList()
                    .block(WAIT);

            assertThat(claimed).hasSize(200).doesNotHaveDuplicates();
            assertThat(other.claimDue("billing", NOW.plusSeconds(29), LEASE, 500)
                            .collectList()
                            .block(WAIT))
                    .isEmpty();
            // the first instance died holding its letters: after the lease, the other takes every letter again
            assertThat(other.claimDue("billing", NOW.plusSeconds(31), LEASE, 500)
                            .map(DeadLetter::letterId)
                            .collect(Collectors.toSet())
                            .block(WAIT))
                    .hasSize(200);
        } finally {
            other.close();
        }
    }

    @Test
    void anUnserializablePayloadIsStoredAsSerializationFailed() {
        DeadLetter letter = TestLetters.letter("billing", "L1", new LetterCodecTest.Unserializable());

        StepVerifier.create(store.write(letter).then(store.get("billing", "L1")))
                .assertNext(read -> {
                    assertThat(read.reason()).isEqualTo(DeadLetterReason.SERIALIZATION_FAILED);
                    assertThat(read.errorMessage())
                            .contains("could not be serialized")
                            .contains("RETRIES_EXHAUSTED");
                    assertThat(read.causeClass()).isEqualTo("java.io.IOException");
                    assertThat(store.decodePayload(read, String.class)).isEqualTo("Unserializable[secret=\"quoted\"]");
                })
                .expectComplete()
                .verify(WAIT);
    }

    @Test
    void oversizedValuesAreStoredTruncatedWithAMarker(@TempDir Path dir) {
        RedisDeadLetterStore small = StoreFixture.builder(redis, redis.uri(), dir)
                .maxPayloadBytes(100)
                .maxStackTraceBytes(200)
                .build();
        try {
            DeadLetter letter = TestLetters.letter("billing", "big", new Order("o", 1, "n".repeat(500)));

            DeadLetter read =
                    small.write(letter).then(small.get("billing", "big")).block(WAIT);

            String payload = ((JsonPayload) read.payload()).json();
            assertThat(payload).hasSize(100 + "…[truncated 433 bytes]".length()).endsWith("…[truncated 433 bytes]");
            assertThat(read.stackTrace()).isEqualTo(letter.stackTrace());
            assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> small.decodePayload(read, Order.class)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("truncated");
        } finally {
            small.close();
        }
    }

    @Test
    void maxLengthTrimsTheOldestLettersExactlyAndCountsThem(@TempDir Path dir) {
        RedisDeadLetterStore bounded =
                StoreFixture.builder(redis, redis.uri(), dir).maxLength(5).build();
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        bounded.bindTo(meters);
        try {
            StepVerifier.create(Flux.range(0, 12)
                            .concatMap(i -> bounded.write(TestLetters.letter("billing", "L" + i), NOW)))
                    .expectComplete()
                    .verify(WAIT);

            assertThat(bounded.list(query())
                            .map(DeadLetter::letterId)
                            .collectList()
                            .block(WAIT))
                    .containsExactly("L7", "L8", "L9", "L10", "L11");
            assertThat(meters.get("sluice.dead.letters.trimmed")
                            .functionCounter()
                            .count())
                    .isEqualTo(7.0);
            // trimmed letters are gone from the index and schedule too
            StepVerifier.create(bounded.get("billing", "L0")).expectComplete().verify(WAIT);
            assertThat(bounded.claimDue("billing", NOW, LEASE, 100).count().block(WAIT))
                    .isEqualTo(5L);
            StoreFixture.awaitTrue(
                    "stored gauge sampled",
                    () -> meters.find("sluice.dead.letters.stored")
                                            .tag("subscriber", "billing")
                                            .gauge()
                                    != null
                            && meters.get("sluice.dead.letters.stored")
                                            .tag("subscriber", "billing")
                                            .gauge()
                                            .value()
                                    == 5.0,
                    WAIT);
        } finally {
            bounded.close();
        }
    }

    @Test
    void cancelledWritesAreNotLeftPending() {
        // guards the write path's hand-settled in-flight count: a cancel must settle it once, like a terminal signal
        StepVerifier.create(Flux.range(0, 200)
                        .flatMap(i -> store.write(TestLetters.letter("billing", "C" + i)), 64)
                        .take(Duration.ofMillis(1)))
                .thenConsumeWhile(ignored -> true)
                .expectComplete()
                .verify(WAIT);
        write("L1");

        StoreFixture.awaitTrue("nothing pending", () -> store.pending() == 0, WAIT);
        assertThat(count(query())).isBetween(1L, 201L);
    }

    @Test
    void aClosedStoreRefusesWrites() {
        store.close();

        StepVerifier.create(store.write(TestLetters.letter("billing", "L1")))
                .expectError(IllegalStateException.class)
                .verify(WAIT);
        assertThat(store.health().status()).isEqualTo(StoreHealth.Status.DOWN);
    }

    private void write(String... ids) {
        StepVerifier.create(Flux.fromArray(ids).concatMap(id -> store.write(TestLetters.letter("billing", id))))
                .expectComplete()
                .verify(WAIT);
    }

    private static DeadLetterQuery query() {
        return DeadLetterQuery.of("billing");
    }

    private List<String> ids(DeadLetterQuery query) {
        return store.list(query).map(DeadLetter::letterId).collectList().block(WAIT);
    }

    private Long count(DeadLetterQuery query) {
        return store.count(query).block(WAIT);
    }

    private List<String> claimDue(Instant now) {
        return claimDue(now, 100);
    }

    private List<String> claimDue(Instant now, int limit) {
        return store.claimDue("billing", now, LEASE, limit)
                .map(DeadLetter::letterId)
                .collectList()
                .block(WAIT);
    }
}
