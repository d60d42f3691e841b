package dev.sluice.bus.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.bus.DeadLetter;
import dev.sluice.bus.DeadLetterQuery;
import dev.sluice.bus.DeadLetterReason;
import dev.sluice.bus.DeadLetterStore.StoreHealth;
import dev.sluice.bus.redis.TestLetters.Order;
import dev.sluice.testsupport.TestCluster;
import io.lettuce.core.ClientOptions.DisconnectedBehavior;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

/**
 * The store against a real Redis Cluster ({@link TestCluster}: a one-node embedded one owning all 16384 slots, or the
 * Cluster named by {@code SLUICE_TEST_REDIS_CLUSTER_URL}), under BlockHound: Lettuce's Cluster connection runs every script and read the standalone tests cover.
 */
@Tag("integration")
class RedisClusterIntegrationTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
    private static final Duration LEASE = Duration.ofSeconds(30);

    private static TestCluster cluster;
    private static RedisClusterClient client;

    @TempDir
    Path journalDir;

    @BeforeAll
    static void startCluster() throws IOException {
        cluster = TestCluster.start("store");
        client = RedisClusterClient.create(StoreFixture.RESOURCES, cluster.seed());
        client.setOptions(ClusterClientOptions.builder()
                .disconnectedBehavior(DisconnectedBehavior.REJECT_COMMANDS)
                .requestQueueSize(1_000)
                .timeoutOptions(TimeoutOptions.enabled(Duration.ofSeconds(3)))
                .build());
    }

    @AfterAll
    static void stopCluster() {
        if (client != null) {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void everyOperationWorksThroughTheApplicationsClusterClient() {
        RedisDeadLetterStore store = RedisDeadLetterStore.builder(client)
                .keyPrefix(cluster.keyPrefix("app"))
                .journalPath(journalDir.resolve("dead-letters.journal"))
                .commandTimeout(Duration.ofSeconds(3))
                .build();
        try {
            exerciseEveryOperation(store);
        } finally {
            StepVerifier.create(store.closeGracefully()).expectComplete().verify(WAIT);
        }

        // the store does not shut down a client it was given
        try (StatefulRedisClusterConnection<String, String> connection = client.connect()) {
            assertThat(connection.sync().ping()).isEqualTo("PONG");
        }
    }

    @Test
    void everyOperationWorksThroughAClusterClientTheStoreCreates() {
        RedisDeadLetterStore store = RedisDeadLetterStore.clusterBuilder(List.of(cluster.seed()))
                .keyPrefix(cluster.keyPrefix("own"))
                .journalPath(journalDir.resolve("dead-letters.journal"))
                .commandTimeout(Duration.ofSeconds(3))
                .build();
        try {
            exerciseEveryOperation(store);

            assertThat(store.toString())
                    .contains("cluster " + cluster.seed().getHost() + ":"
                            + cluster.seed().getPort());
        } finally {
            StepVerifier.create(store.closeGracefully()).expectComplete().verify(WAIT);
        }
    }

    /** Run every store operation for two subscribers, whose keys hash to different slots. */
    private static void exerciseEveryOperation(RedisDeadLetterStore store) {
        String billing = "billing-" + System.nanoTime();
        String shipping = "shipping-" + System.nanoTime();
        DeadLetter l1 = TestLetters.letter(billing, "L1");
        DeadLetter l2 = TestLetters.with(
                TestLetters.letter(billing, "L2"),
                "order.cancelled",
                DeadLetterReason.CIRCUIT_OPEN,
                Instant.parse("2026-01-02T00:00:00Z"));
        DeadLetter l3 = TestLetters.letter(billing, "L3");
        DeadLetter s1 = TestLetters.letter(shipping, "S1");

        StepVerifier.create(Flux.concat(
                                store.write(l1, NOW),
                                store.write(l1, NOW), // idempotent by letter_id
                                store.write(l2, NOW.plusSeconds(60)),
                                store.write(l3),
                                store.write(s1, NOW))
                        .then())
                .expectComplete()
                .verify(WAIT);
        // acknowledged by the Cluster, not saved by the journal
        assertThat(store.journaled())
                .as("letters journaled; %s", store.health())
                .isZero();

        StepVerifier.create(store.get(billing, "L1"))
                .assertNext(read -> {
                    assertThat(read)
                            .usingRecursiveComparison()
                            .ignoringFields("payload")
                            .isEqualTo(l1);
                    assertThat(store.decodePayload(read, Order.class)).isEqualTo(l1.payload());
                })
                .expectComplete()
                .verify(WAIT);
        assertThat(ids(store.list(DeadLetterQuery.of(billing)))).containsExactly("L1", "L2", "L3");
        assertThat(ids(store.list(DeadLetterQuery.of(billing).withNewestFirst(true))))
                .containsExactly("L3", "L2", "L1");
        assertThat(ids(store.list(DeadLetterQuery.of(billing).withReason(DeadLetterReason.CIRCUIT_OPEN))))
                .containsExactly("L2");
        assertThat(store.count(DeadLetterQuery.of(billing)).block(WAIT)).isEqualTo(3);
        assertThat(store.count(DeadLetterQuery.of(billing).withEventType("order.placed"))
                        .block(WAIT))
                .isEqualTo(2);
        assertThat(store.count(DeadLetterQuery.of(shipping)).block(WAIT)).isEqualTo(1);

        // L1 due now, L2 in a minute, L3 not scheduled
        assertThat(ids(store.claimDue(billing, NOW, LEASE, 10))).containsExactly("L1");
        assertThat(ids(store.claimDue(billing, NOW, LEASE, 10))).isEmpty();

        StepVerifier.create(store.replace(TestLetters.redriven(l1, "still failing"), NOW.plusSeconds(5)))
                .expectComplete()
                .verify(WAIT);
        DeadLetter replaced = store.get(billing, "L1").block(WAIT);
        assertThat(replaced.redriveCount()).isEqualTo(1);
        assertThat(replaced.errorMessage()).isEqualTo("still failing");
        assertThat(ids(store.list(DeadLetterQuery.of(billing)))).containsExactly("L2", "L3", "L1");

        StepVerifier.create(store.park(TestLetters.redriven(l2, "gave up")))
                .expectComplete()
                .verify(WAIT);
        assertThat(ids(store.list(DeadLetterQuery.of(billing).withParked(true))))
                .containsExactly("L2");
        assertThat(store.count(DeadLetterQuery.of(billing)).block(WAIT)).isEqualTo(2);
        // L2 parked leaves the schedule; L1 is due again at its new time
        assertThat(ids(store.claimDue(billing, NOW.plusSeconds(120), LEASE, 10)))
                .containsExactly("L1");

        assertThat(store.delete(billing, "L3").block(WAIT)).isTrue();
        assertThat(store.delete(billing, "L3").block(WAIT)).isFalse();
        assertThat(store.get(billing, "L3").blockOptional(WAIT)).isEmpty();

        assertThat(store.purge(billing).block(WAIT)).isEqualTo(2);
        assertThat(store.count(DeadLetterQuery.of(billing)).block(WAIT)).isZero();
        assertThat(store.count(DeadLetterQuery.of(billing).withParked(true)).block(WAIT))
                .isZero();
        // the other subscriber, in another slot, is untouched
        assertThat(ids(store.list(DeadLetterQuery.of(shipping)))).containsExactly("S1");
        assertThat(store.purge(shipping).block(WAIT)).isEqualTo(1);

        assertThat(store.health()).isEqualTo(StoreHealth.up());
    }

    private static List<String> ids(Flux<DeadLetter> letters) {
        return letters.map(DeadLetter::letterId).collectList().block(WAIT);
    }
}
