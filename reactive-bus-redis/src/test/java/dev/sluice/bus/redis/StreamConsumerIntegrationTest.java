package dev.sluice.bus.redis;

import static dev.sluice.bus.redis.ConsumerFixture.WAIT;
import static dev.sluice.bus.redis.ConsumerFixture.heartbeatUntil;
import static dev.sluice.bus.redis.ConsumerFixture.readAtLeast;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.sluice.bus.StartPosition;
import dev.sluice.bus.spi.Received;
import dev.sluice.testsupport.RedisExtension;
import dev.sluice.testsupport.TestRedis;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.models.stream.PendingMessage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import reactor.core.publisher.Flux;

/**
 * {@link StreamConsumer} against the real test Redis, under BlockHound, through a test-scope {@link StreamContext}.
 * Lease expiry is driven by stopping a consumer's heartbeats (3 s leases), never by short lease times.
 */
@Tag("integration")
@ExtendWith(RedisExtension.class)
class StreamConsumerIntegrationTest {

    private static final Duration SHORT_WAIT = Duration.ofMillis(300);
    // a takeover that had to wait this long could never finish within the tests' bound: it proves no wait happened
    private static final Duration HOUR = Duration.ofHours(1);

    private final List<ConsumerFixture> fixtures = new ArrayList<>();

    @AfterEach
    void closeConsumers() {
        fixtures.forEach(ConsumerFixture::close);
    }

    private ConsumerFixture fixture(TestRedis redis, int partitions) {
        ConsumerFixture fixture = new ConsumerFixture(redis, partitions);
        fixtures.add(fixture);
        return fixture;
    }

    @Test
    void createsGroupsIdempotentlyAtNewestOrOldest(TestRedis redis) {
        ConsumerFixture f = fixture(redis, 4);
        f.append(0, "before-1");
        f.append(0, "before-2");
        f.append(0, "before-3");
        var commands = new ConsumerTestContext(redis, "admin").commands().block(WAIT);
        ConsumerGroups newest = new ConsumerGroups(f.keys(), "newest", StartPosition.NEWEST);
        ConsumerGroups oldest = new ConsumerGroups(f.keys(), "oldest", StartPosition.OLDEST);

        long createdNewest = newest.createAll(commands).block(WAIT);
        long againNewest = newest.createAll(commands).block(WAIT);
        long createdOldest = oldest.createAll(commands).block(WAIT);
        long againOldest = oldest.createAll(commands).block(WAIT);

        assertThat(List.of(createdNewest, againNewest, createdOldest, againOldest))
                .containsExactly(4L, 0L, 4L, 0L);
        assertThat(f.sync().hget(f.keys().audit(0), "base:newest")).isEqualTo("3");
        assertThat(f.sync().hget(f.keys().audit(0), "base:oldest")).isEqualTo("0");
        assertThat(f.sync().hget(f.keys().audit(1), "base:newest")).isEqualTo("0");
    }

    @Test
    void newestGroupSkipsOldEntriesAndOldestGroupReadsThem(TestRedis redis) {
        ConsumerFixture f = fixture(redis, 2);
        f.append(0, "old");
        StreamConsumer<String> fromNewest = f.consumer("a", "newest", StartPosition.NEWEST, SHORT_WAIT);
        StreamConsumer<String> fromOldest = f.consumer("a", "oldest", StartPosition.OLDEST, SHORT_WAIT);
        fromNewest.read(10).block(WAIT);

        f.append(1, "new");
        List<Received<String>> newest = readAtLeast(fromNewest, 10, 1);
        List<Received<String>> oldest = readAtLeast(fromOldest, 10, 2);

        assertThat(newest).extracting(r -> r.event().payload()).containsExactly("new");
        assertThat(oldest).extracting(r -> r.event().payload()).containsExactlyInAnyOrder("old", "new");
        assertThat(oldest).allSatisfy(r -> assertThat(r.deliveryFailures()).isZero());
    }

    @Test
    void readsNeverExceedTheRoomGiven(TestRedis redis) {
        ConsumerFixture f = fixture(redis, 4);
        StreamConsumer<String> consumer = f.consumer("a", "inventory", StartPosition.OLDEST, SHORT_WAIT);
        for (int i = 0; i < 40; i++) {
            f.append(i % 4, "e" + i);
        }

        // room 3 < k 4: COUNT 1 over 3 streams; room 1: one stream; room 9: COUNT 2 over 4 streams
        List<Received<String>> first = readAtLeast(consumer, 3, 12);
        List<Received<String>> second = readAtLeast(consumer, 1, 4);
        List<Received<String>> third = readAtLeast(consumer, 9, 24);

        Set<String> ids = new HashSet<>();
        for (List<Received<String>> part : List.of(first, second, third)) {
            part.forEach(r -> ids.add(r.partition() + "/" + r.entryId()));
        }
        assertThat(ids).hasSize(40);
        long pending = 0;
        for (int p = 0; p < 4; p++) {
            pending += f.sync().xpending(f.keys().stream(p), "inventory").getCount();
        }
        assertThat(pending)
                .as("nothing was read beyond what the reads returned")
                .isEqualTo(40);
    }

    @Test
    void acksAreFencedCountedInTheAuditAndLeaveNothingPending(TestRedis redis) {
        ConsumerFixture f = fixture(redis, 2);
        StreamConsumer<String> consumer = f.consumer("a", "billing", StartPosition.OLDEST, SHORT_WAIT);
        f.append(0, "x");
        f.append(0, "y");
        f.append(1, "z");
        List<Received<String>> read = readAtLeast(consumer, 10, 3);

        Flux.fromIterable(read).flatMap(consumer::ack).then().block(WAIT);

        assertThat(read).allSatisfy(r -> assertThat(consumer.mayStart(r)).isTrue());
        assertThat(f.sync().xpending(f.keys().stream(0), "billing").getCount()).isZero();
        assertThat(f.sync().hget(f.keys().audit(0), "acked:billing")).isEqualTo("2");
        assertThat(f.sync().hget(f.keys().audit(1), "acked:billing")).isEqualTo("1");
        assertThat(consumer.stats().refusedAcks()).isZero();
    }

    @Test
    void cleanReleaseLetsAnotherConsumerTakeOverAtOnceWithoutCountingAFailure(TestRedis redis) {
        ConsumerFixture f = fixture(redis, 2);
        StreamConsumer<String> first = f.consumer("a", "shipping", StartPosition.OLDEST, HOUR);
        for (int i = 0; i < 4; i++) {
            f.append(i % 2, "e" + i);
        }
        List<Received<String>> read = readAtLeast(first, 10, 4);
        Received<String> acked = read.get(0);
        first.ack(acked).block(WAIT);
        read.subList(1, 4).forEach(first::release);
        first.close().block(WAIT);
        f.append(0, "after");

        StreamConsumer<String> second = f.consumer("b", "shipping", StartPosition.OLDEST, HOUR);
        List<Received<String>> taken = readAtLeast(second, 10, 4);

        List<String> released =
                read.subList(1, 4).stream().map(Received::entryId).toList();
        assertThat(taken.subList(0, 3)).extracting(Received::entryId).containsExactlyInAnyOrderElementsOf(released);
        assertThat(taken.get(3).event().payload()).isEqualTo("after");
        assertThat(taken).allSatisfy(r -> assertThat(r.deliveryFailures()).isZero());
        assertThat(second.owned()).containsExactly(0, 1);
        assertThat(first.stats().released()).isEqualTo(3);
    }

    @Test
    void takeoverAfterAnUncleanEndWaitsClaimsPendingFirstAndCountsOneFailureOnly(TestRedis redis) {
        ConsumerFixture f = fixture(redis, 1);
        StreamConsumer<String> dead = f.consumer("a", "audit", StartPosition.OLDEST, SHORT_WAIT);
        List<String> appended = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            appended.add(f.append(0, "e" + i));
        }
        readAtLeast(dead, 10, 3);
        dead.stopHeartbeats();
        f.append(0, "later");

        StreamConsumer<String> next = f.consumer("b", "audit", StartPosition.OLDEST, SHORT_WAIT);
        next.read(1).block(WAIT);
        heartbeatUntil(() -> next.owned().contains(0), next);
        List<Received<String>> taken = readAtLeast(next, 10, 4);

        assertThat(taken.subList(0, 3)).extracting(Received::entryId).containsExactlyElementsOf(appended);
        assertThat(taken.subList(0, 3))
                .allSatisfy(r -> assertThat(r.deliveryFailures()).isEqualTo(1));
        assertThat(taken.get(3).event().payload()).isEqualTo("later");
        assertThat(taken.get(3).deliveryFailures()).isZero();

        // a clean handover of the same entries does not count again
        taken.forEach(next::release);
        next.close().block(WAIT);
        StreamConsumer<String> third = f.consumer("c", "audit", StartPosition.OLDEST, HOUR);
        List<Received<String>> handedOver = readAtLeast(third, 10, 4);
        assertThat(handedOver.subList(0, 3))
                .allSatisfy(r -> assertThat(r.deliveryFailures()).isEqualTo(1));
        assertThat(handedOver.get(3).deliveryFailures()).isZero();
        List<PendingMessage> pending =
                f.sync().xpending(f.keys().stream(0), "audit", Range.create("-", "+"), Limit.from(10));
        assertThat(pending).extracting(PendingMessage::getConsumer).containsOnly("c");
        assertThat(pending).extracting(PendingMessage::getRedeliveryCount).containsExactly(2L, 2L, 2L, 1L);
    }

    @Test
    void releaseBeforeTheTakeoverWaitEndedLeavesTheNextOwnerWaiting(TestRedis redis) {
        // regression: a release during the takeover wait was marked clean, so the next owner started at once
        ConsumerFixture f = fixture(redis, 1);
        StreamConsumer<String> dead = f.consumer("a", "ledger", StartPosition.OLDEST, SHORT_WAIT);
        String appended = f.append(0, "e0");
        readAtLeast(dead, 10, 1);
        dead.stopHeartbeats();
        StreamConsumer<String> waiting = f.consumer("b", "ledger", StartPosition.OLDEST, HOUR);
        waiting.read(1).block(WAIT);
        heartbeatUntil(() -> waiting.owned().contains(0), waiting);

        waiting.close().block(WAIT);
        String releasedMark = f.sync().hget(f.keys().fence(0, "ledger"), "released");
        StreamConsumer<String> next = f.consumer("c", "ledger", StartPosition.OLDEST, SHORT_WAIT);
        next.read(1).block(WAIT);
        heartbeatUntil(() -> next.owned().contains(0), next);
        List<Received<String>> taken = readAtLeast(next, 10, 1);

        assertThat(releasedMark).isEqualTo("0");
        assertThat(taken).extracting(Received::entryId).containsExactly(appended);
        // counted once for the owner that died under it, not again for the one that never started it
        assertThat(taken.get(0).deliveryFailures()).isEqualTo(1);
    }

    @Test
    void aGroupDestroyedUnderARunningConsumerIsCreatedAgainAndNothingAppendedSinceIsLost(TestRedis redis) {
        // regression: reads failed with NOGROUP until the subscriber was started again
        ConsumerFixture f = fixture(redis, 1);
        StreamConsumer<String> consumer = f.consumer("a", "refunds", StartPosition.NEWEST, SHORT_WAIT);
        consumer.read(1).block(WAIT);
        heartbeatUntil(() -> consumer.owned().contains(0), consumer);
        String before = f.append(0, "before");
        consumer.ack(readAtLeast(consumer, 10, 1).get(0)).block(WAIT);

        f.sync().xgroupDestroy(f.keys().stream(0), "refunds");
        String after = f.append(0, "after");
        Throwable refused = catchThrowable(() -> consumer.read(10).block(WAIT));
        heartbeatUntil(() -> consumer.owned().contains(0), consumer);
        List<Received<String>> again = readAtLeast(consumer, 10, 2);
        again.forEach(entry -> consumer.ack(entry).block(WAIT));

        assertThat(refused).hasMessageStartingWith("NOGROUP");
        // created again at the oldest retained entry: the one handled before comes again (at-least-once), none is lost
        assertThat(again).extracting(Received::entryId).containsExactly(before, after);
        // the new group's audit starts afresh
        assertThat(f.sync().hget(f.keys().audit(0), "acked:refunds")).isEqualTo("2");
        assertThat(f.sync().xpending(f.keys().stream(0), "refunds").getCount()).isZero();
    }

    @Test
    void fencedConsumerMayNotStartAndItsAcksAreRefused(TestRedis redis) {
        ConsumerFixture f = fixture(redis, 1);
        StreamConsumer<String> paused = f.consumer("a", "mail", StartPosition.OLDEST, SHORT_WAIT);
        f.append(0, "only");
        Received<String> entry = readAtLeast(paused, 10, 1).get(0);
        boolean beforePause = paused.mayStart(entry);
        paused.stopHeartbeats();

        StreamConsumer<String> owner = f.consumer("b", "mail", StartPosition.OLDEST, SHORT_WAIT);
        owner.read(1).block(WAIT);
        heartbeatUntil(() -> owner.owned().contains(0), owner);
        boolean afterTakeover = paused.mayStart(entry);
        paused.ack(entry).block(WAIT);

        assertThat(beforePause).isTrue();
        assertThat(afterTakeover).isFalse();
        assertThat(paused.stats().refusedAcks()).isEqualTo(1);
        assertThat(f.sync().hget(f.keys().audit(0), "acked:mail")).isNull();
        Received<String> again = readAtLeast(owner, 10, 1).get(0);
        assertThat(again.entryId()).isEqualTo(entry.entryId());
        owner.ack(again).block(WAIT);
        assertThat(f.sync().hget(f.keys().audit(0), "acked:mail")).isEqualTo("1");
        assertThat(f.sync().xpending(f.keys().stream(0), "mail").getCount()).isZero();
    }

    @Test
    void twoConsumersSplitThePartitionsAndAThirdTakesItsShare(TestRedis redis) {
        ConsumerFixture f = fixture(redis, 6);
        StreamConsumer<String> a = f.consumer("a", "search", StartPosition.NEWEST, SHORT_WAIT);
        StreamConsumer<String> b = f.consumer("b", "search", StartPosition.NEWEST, SHORT_WAIT);
        a.read(1).block(WAIT);
        b.read(1).block(WAIT);

        heartbeatUntil(() -> a.owned().size() == 3 && b.owned().size() == 3, a, b);
        Set<Integer> split = union(a.owned(), b.owned());
        StreamConsumer<String> c = f.consumer("c", "search", StartPosition.NEWEST, SHORT_WAIT);
        c.read(1).block(WAIT);
        heartbeatUntil(
                () -> a.owned().size() == 2
                        && b.owned().size() == 2
                        && c.owned().size() == 2,
                a,
                b,
                c);

        assertThat(split).containsExactly(0, 1, 2, 3, 4, 5);
        assertThat(union(a.owned(), b.owned(), c.owned())).containsExactly(0, 1, 2, 3, 4, 5);
        assertThat(c.liveMembers()).isEqualTo(3);
    }

    @SafeVarargs
    private static Set<Integer> union(List<Integer>... owned) {
        Set<Integer> all = new TreeSet<>();
        int total = 0;
        for (List<Integer> partitions : owned) {
            all.addAll(partitions);
            total += partitions.size();
        }
        assertThat(all).as("no partition is owned twice").hasSize(total);
        return all;
    }
}
