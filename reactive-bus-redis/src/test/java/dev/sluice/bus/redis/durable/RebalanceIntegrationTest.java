package dev.sluice.bus.redis.durable;

import static dev.sluice.bus.redis.durable.DurableInstances.WAIT;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.bus.redis.StreamAudit;
import dev.sluice.bus.redis.durable.DurableInstances.Instance;
import dev.sluice.testsupport.RedisExtension;
import dev.sluice.testsupport.TestRedis;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import reactor.core.publisher.Mono;

/**
 * Issue 13, "Tests", rebalance: while events flow, a third instance joins and takes its share of the 16 partitions,
 * and an instance that leaves cleanly ({@code close}) hands its partitions over at once — with 60 s leases, long before
 * they could have expired. Work moves without loss, repeat or overtaking: the audit balances and {@link
 * OrderChecker} finds no overtaking.
 */
@Tag("integration")
@ExtendWith(RedisExtension.class)
class RebalanceIntegrationTest {

    private static final int KEYS = 128;
    // enough that a backlog is still there when the instances change
    private static final int ROUNDS = 40;

    private DurableInstances instances;

    @AfterEach
    void closeInstances() {
        if (instances != null) {
            instances.close();
        }
    }

    @Test
    void aThirdInstanceJoiningMidRunTakesItsShare(TestRedis redis) {
        instances = new DurableInstances(redis, "rebalance-join", b -> b.heartbeat(Duration.ofMillis(500)));
        Instance a = instances.start("a");
        instances.start("b");
        instances.awaitShares(Map.of("a", 8, "b", 8));
        Mono<Void> firstHalf = instances.publish(a, KEYS, ROUNDS).cache();
        firstHalf.subscribe();
        awaitSomeHandled();

        int leftWhenJoined =
                instances.checker().unhandled(instances.published()).size();
        instances.start("c");
        instances.awaitShares(Map.of("a", 6, "b", 5, "c", 5));
        firstHalf.block(WAIT);
        instances.publish(a, KEYS, ROUNDS).block(WAIT);
        StreamAudit.Group audit = instances.awaitQuiescence();

        assertThat(leftWhenJoined).as("c joined while work was left").isPositive();
        assertThat(instances.checker().startsByInstance())
                .containsOnlyKeys("a", "b", "c")
                .allSatisfy((id, starts) -> assertThat(starts).as(id).isPositive());
        assertBalancedWithoutRepeats(audit, 2L * KEYS * ROUNDS);
    }

    @Test
    void anInstanceLeavingCleanlyHandsItsPartitionsOverLongBeforeItsLeaseCouldExpire(TestRedis redis) {
        // 60 s leases: a takeover that waited for them to expire could not happen within the bound below
        Duration lease = Duration.ofSeconds(60);
        instances = new DurableInstances(
                redis, "rebalance-leave", b -> b.leaseTtl(lease).heartbeat(Duration.ofMillis(500)));
        Instance a = instances.start("a");
        instances.start("b");
        instances.start("c");
        instances.awaitShares(Map.of("a", 6, "b", 5, "c", 5));
        Mono<Void> firstHalf = instances.publish(a, KEYS, ROUNDS).cache();
        firstHalf.subscribe();
        awaitSomeHandled();
        // some handled in all is not c's share: on a loaded machine c had started none when it was closed
        DurableInstances.await(
                "c handled some", () -> instances.checker().startsByInstance().getOrDefault("c", 0L), n -> n > 0);

        int leftWhenLeaving =
                instances.checker().unhandled(instances.published()).size();
        instances.stop("c");
        instances.awaitShares(Map.of("a", 8, "b", 8), lease.dividedBy(3));
        long handledByC = instances.checker().startsByInstance().getOrDefault("c", 0L);
        firstHalf.block(WAIT);
        instances.publish(a, KEYS, ROUNDS).block(WAIT);
        StreamAudit.Group audit = instances.awaitQuiescence();

        assertThat(leftWhenLeaving).as("c left while work was left").isPositive();
        assertThat(handledByC).as("c had its share of the work before it left").isPositive();
        assertThat(instances.checker().startsByInstance())
                .as("c handled nothing after it closed")
                .containsEntry("c", handledByC);
        assertBalancedWithoutRepeats(audit, 2L * KEYS * ROUNDS);
    }

    private void awaitSomeHandled() {
        DurableInstances.await(
                "some events handled", () -> instances.checker().handlings().size(), handled -> handled >= KEYS * 4);
    }

    private void assertBalancedWithoutRepeats(StreamAudit.Group audit, long published) {
        instances.assertOrderedAndAccounted(audit);
        assertThat(instances.checker().repeats())
                .as("clean handovers: what was handled was acknowledged before its partition moved")
                .isEmpty();
        assertThat(audit.published()).isEqualTo(published);
        assertThat(audit.acked())
                .as("every entry acknowledged once for the group")
                .isEqualTo(published);
        assertThat(audit.pending()).isZero();
        assertThat(audit.undelivered()).isZero();
    }
}
