package dev.sluice.bus.redis;

import static dev.sluice.bus.redis.ConsumerFixture.WAIT;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.bus.StartPosition;
import dev.sluice.testsupport.RedisExtension;
import dev.sluice.testsupport.TestRedis;
import io.lettuce.core.Consumer;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.models.stream.PendingMessage;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code XPENDING} + {@code XCLAIM} as {@link PendingClaims} uses them, on the server the tests run against (embedded
 * Redis 6.2, or {@code SLUICE_TEST_REDIS_URL}): an entry deleted while pending must neither come back as an entry nor
 * stay pending forever (Lettuce's {@code XAUTOCLAIM} mis-reports exactly this case on Redis 7, redis/lettuce#3900).
 */
@Tag("integration")
@ExtendWith(RedisExtension.class)
class PendingClaimsIntegrationTest {

    @Test
    void anEntryDeletedWhilePendingIsDroppedFromThePendingListAndNotHandedOut(TestRedis redis) {
        ConsumerFixture f = new ConsumerFixture(redis, 1);
        var commands = new ConsumerTestContext(redis, "b").commands().block(WAIT);
        new ConsumerGroups(f.keys(), "ledger", StartPosition.OLDEST)
                .createAll(commands)
                .block(WAIT);
        String first = f.append(0, "first");
        String deleted = f.append(0, "deleted");
        String last = f.append(0, "last");
        List<StreamMessage<String, String>> readByDead = f.sync()
                .xreadgroup(
                        Consumer.from("ledger", "a"),
                        XReadArgs.Builder.count(10),
                        XReadArgs.StreamOffset.lastConsumed(f.keys().stream(0)));
        f.sync().xdel(f.keys().stream(0), deleted);
        List<PendingMessage> pendingBefore = pending(f);
        PartitionLeases leases = new PartitionLeases(f.keys(), "ledger", "b", Duration.ofSeconds(30));
        PartitionLeases.Claim claim =
                Objects.requireNonNull(leases.claim(commands, 0).block(WAIT));
        Ownership hold = Ownership.claimed(
                0, claim.generation(), leases.token(claim.generation()), System.nanoTime(), System.nanoTime(), true);
        FencedAcks acks = new FencedAcks(f.keys(), "ledger", new ConsumerTestContext(redis, "b").commands());

        PendingClaims.Batch batch = new PendingClaims(f.keys(), "ledger", "b", acks)
                .next(commands, hold, 10)
                .block(WAIT);

        assertThat(readByDead).hasSize(3);
        assertThat(pendingBefore).extracting(PendingMessage::getId).containsExactly(first, deleted, last);
        assertThat(batch.entries()).extracting(c -> c.message().getId()).containsExactly(first, last);
        assertThat(batch.entries())
                .allSatisfy(c -> assertThat(c.deliveryFailures()).isEqualTo(1));
        assertThat(batch.done()).isTrue();
        assertThat(pending(f)).extracting(PendingMessage::getId).containsExactly(first, last);
        assertThat(pending(f)).extracting(PendingMessage::getConsumer).containsOnly("b");
        assertThat(f.sync().hget(f.keys().audit(0), "acked:ledger"))
                .as("a gone entry is not counted")
                .isNull();
        assertThat(f.sync().hget(f.keys().audit(0), "redelivered:ledger")).isEqualTo("2");
    }

    @Test
    void claimsPendingEntriesInStreamOrderBatchByBatch(TestRedis redis) {
        ConsumerFixture f = new ConsumerFixture(redis, 1);
        var commands = new ConsumerTestContext(redis, "b").commands().block(WAIT);
        new ConsumerGroups(f.keys(), "ledger", StartPosition.OLDEST)
                .createAll(commands)
                .block(WAIT);
        for (int i = 0; i < 5; i++) {
            f.append(0, "e" + i);
        }
        f.sync()
                .xreadgroup(
                        Consumer.from("ledger", "a"),
                        XReadArgs.Builder.count(10),
                        XReadArgs.StreamOffset.lastConsumed(f.keys().stream(0)));
        PartitionLeases leases = new PartitionLeases(f.keys(), "ledger", "b", Duration.ofSeconds(30));
        PartitionLeases.Claim claim =
                Objects.requireNonNull(leases.claim(commands, 0).block(WAIT));
        Ownership hold = Ownership.claimed(
                0, claim.generation(), leases.token(claim.generation()), System.nanoTime(), System.nanoTime(), false);
        PendingClaims claims = new PendingClaims(
                f.keys(),
                "ledger",
                "b",
                new FencedAcks(f.keys(), "ledger", new ConsumerTestContext(redis, "b").commands()));

        PendingClaims.Batch one = claims.next(commands, hold, 2).block(WAIT);
        PendingClaims.Batch two =
                claims.next(commands, hold.advanced(one.next(), one.done()), 2).block(WAIT);
        PendingClaims.Batch three =
                claims.next(commands, hold.advanced(two.next(), two.done()), 2).block(WAIT);

        assertThat(List.of(one, two, three))
                .flatExtracting(b -> b.entries().stream()
                        .map(c -> c.message().getBody().get("payload"))
                        .toList())
                .containsExactly("e0", "e1", "e2", "e3", "e4");
        assertThat(List.of(one.done(), two.done(), three.done())).containsExactly(false, false, true);
        assertThat(one.entries())
                .allSatisfy(c ->
                        assertThat(c.deliveryFailures()).as("a clean handover").isZero());
    }

    private static List<PendingMessage> pending(ConsumerFixture f) {
        return f.sync().xpending(f.keys().stream(0), "ledger", Range.create("-", "+"), Limit.from(10));
    }
}
