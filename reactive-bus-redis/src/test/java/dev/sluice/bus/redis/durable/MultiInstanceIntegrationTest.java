package dev.sluice.bus.redis.durable;

import static dev.sluice.bus.redis.durable.DurableInstances.WAIT;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.bus.redis.StreamAudit;
import dev.sluice.bus.redis.durable.DurableInstances.Instance;
import dev.sluice.testsupport.RedisExtension;
import dev.sluice.testsupport.TestRedis;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import reactor.core.publisher.Mono;

/**
 * Issue 13, "Tests": two and three buses in one JVM on one Redis, each over a transport of its own, share one durable
 * subscriber's work: each owns its fair share of the 16 partitions (by the leases in Redis), each handles events,
 * every event is handled and acknowledged once for the group (the audit balances), and no key's events overtake one
 * another by {@link OrderChecker}'s definition.
 */
@Tag("integration")
@ExtendWith(RedisExtension.class)
class MultiInstanceIntegrationTest {

    private static final int KEYS = 128;
    private static final int ROUNDS = 16;

    private DurableInstances instances;

    @AfterEach
    void closeInstances() {
        if (instances != null) {
            instances.close();
        }
    }

    @Test
    void aSecondInstanceJoiningABusyFirstTakesHalfThePartitions(TestRedis redis) {
        // regression: through the bus, a second instance that joined got no share (the first kept all 16)
        instances = new DurableInstances(redis, "share-two", b -> b.heartbeat(Duration.ofMillis(500)));
        Instance a = instances.start("a");
        instances.awaitShares(Map.of("a", 16));
        Mono<Void> backlog = instances.publish(a, KEYS, ROUNDS).cache();
        backlog.subscribe();
        DurableInstances.await("a busy", () -> instances.checker().handlings().size(), n -> n >= KEYS);

        instances.start("b");
        instances.awaitShares(Map.of("a", 8, "b", 8));
        long handledByBBefore = instances.checker().startsByInstance().getOrDefault("b", 0L);
        backlog.block(WAIT);
        instances.publish(a, KEYS, ROUNDS).block(WAIT);
        StreamAudit.Group audit = instances.awaitQuiescence();

        assertThat(instances.checker().startsByInstance().get("b"))
                .as("b handled events after it took its share")
                .isGreaterThan(handledByBBefore);
        assertShared(audit, 2L * KEYS * ROUNDS, List.of("a", "b"), Map.of("a", 8, "b", 8));
    }

    @Test
    void threeInstancesShareTheSixteenPartitionsSixFiveAndFive(TestRedis redis) {
        // regression: members saw one another in different orders, so three each took 5 and one partition stayed
        // unowned
        instances = new DurableInstances(redis, "share-three", b -> b.heartbeat(Duration.ofMillis(500)));
        Instance a = instances.start("a");
        instances.start("b");
        instances.start("c");

        instances.awaitShares(Map.of("a", 6, "b", 5, "c", 5));
        instances.publish(a, KEYS, ROUNDS).block(WAIT);
        StreamAudit.Group audit = instances.awaitQuiescence();

        assertShared(audit, (long) KEYS * ROUNDS, List.of("a", "b", "c"), Map.of("a", 6, "b", 5, "c", 5));
        assertThat(audit.redelivered()).as("nothing moved while events flowed").isZero();
    }

    private void assertShared(StreamAudit.Group audit, long published, List<String> ids, Map<String, Integer> shares) {
        instances.assertOrderedAndAccounted(audit);
        assertThat(instances.checker().startsByInstance())
                .as("every instance handled some of the work")
                .containsOnlyKeys(ids)
                .allSatisfy((id, starts) -> assertThat(starts).as(id).isPositive());
        assertThat(instances.checker().repeats())
                .as("clean handovers: what was handled was acknowledged before its partition moved")
                .isEmpty();
        Map<String, List<Integer>> owners = instances.owners();
        assertThat(instances.shares()).as("the shares stayed").isEqualTo(shares);
        TreeSet<Integer> owned = new TreeSet<>();
        owners.values().forEach(owned::addAll);
        assertThat(owned).as("every partition owned, none twice").hasSize(DurableInstances.PARTITIONS);
        assertThat(audit.published()).isEqualTo(published);
        assertThat(audit.base()).isZero();
        assertThat(audit.acked())
                .as("every entry acknowledged once for the group")
                .isEqualTo(published);
        assertThat(audit.pending()).isZero();
        assertThat(audit.undelivered()).isZero();
    }
}
