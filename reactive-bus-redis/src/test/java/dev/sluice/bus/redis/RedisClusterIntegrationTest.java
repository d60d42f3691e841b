package dev.sluice.bus.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.bus.DeadLetter;
import dev.sluice.bus.DeadLetterQuery;
import dev.sluice.bus.DeadLetterReason;
import dev.sluice.bus.DeadLetterStore.StoreHealth;
import dev.sluice.bus.redis.TestLetters.Order;
import io.lettuce.core.ClientOptions.DisconnectedBehavior;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;
import redis.embedded.RedisServer;

/**
 * The store against a real one-node Redis Cluster (embedded Redis with {@code cluster-enabled yes}, owning all 16384
 * slots), under BlockHound: Lettuce's Cluster connection runs every script and read the standalone tests cover.
 */
@Tag("integration")
class RedisClusterIntegrationTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
    private static final Duration LEASE = Duration.ofSeconds(30);

    private static RedisServer server;
    private static RedisURI uri;
    private static RedisClusterClient client;

    @TempDir
    Path journalDir;

    @BeforeAll
    static void startCluster() throws IOException {
        int port = freePortWithBusPort();
        Path dir = Path.of(System.getProperty("basedir", "."), "target", "embedded-redis-cluster", "" + port)
                .toAbsolutePath();
        Files.createDirectories(dir);
        server = RedisServer.newRedisServer()
                .bind("127.0.0.1")
                .port(port)
                .setting("save \"\"")
                .setting("appendonly no")
                .setting("dir " + dir)
                .setting("cluster-enabled yes")
                .setting("cluster-config-file nodes-" + port + ".conf")
                .build();
        server.start();
        uri = RedisURI.builder()
                .withHost("127.0.0.1")
                .withPort(port)
                .withTimeout(WAIT)
                .build();

        // CLUSTER ADDSLOTSRANGE needs Redis 7; the embedded Redis is 6.2
        RedisClient admin = RedisClient.create(uri);
        try (StatefulRedisConnection<String, String> connection = admin.connect()) {
            connection.sync().clusterAddSlots(IntStream.range(0, 16384).toArray());
            StepVerifier.create(connection
                            .reactive()
                            .clusterInfo()
                            .filter(info -> info.contains("cluster_state:ok"))
                            .repeatWhenEmpty(500, ticks -> ticks.delayElements(Duration.ofMillis(20))))
                    .as("cluster_state:ok")
                    .expectNextCount(1)
                    .expectComplete()
                    .verify(WAIT);
        } finally {
            admin.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }

        client = RedisClusterClient.create(StoreFixture.RESOURCES, uri);
        client.setOptions(ClusterClientOptions.builder()
                .disconnectedBehavior(DisconnectedBehavior.REJECT_COMMANDS)
                .requestQueueSize(1_000)
                .timeoutOptions(TimeoutOptions.enabled(Duration.ofSeconds(3)))
                .build());
    }

    @AfterAll
    static void stopCluster() throws IOException {
        if (client != null) {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
        if (server != null) {
            server.stop();
        }
    }

    @Test
    void everyOperationWorksThroughTheApplicationsClusterClient() {
        RedisDeadLetterStore store = RedisDeadLetterStore.builder(client)
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
        RedisDeadLetterStore store = RedisDeadLetterStore.clusterBuilder(List.of(uri))
                .keyPrefix("own")
                .journalPath(journalDir.resolve("dead-letters.journal"))
                .commandTimeout(Duration.ofSeconds(3))
                .build();
        try {
            exerciseEveryOperation(store);

            assertThat(store.toString()).contains("cluster 127.0.0.1:" + uri.getPort());
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

    /** A free loopback port whose Cluster bus port (port + 10000) is free too. */
    private static int freePortWithBusPort() {
        for (int attempt = 0; attempt < 50; attempt++) {
            int port = freePort();
            if (port <= 55_535 && isFree(port + 10_000)) {
                return port;
            }
        }
        throw new IllegalStateException("no free loopback port with a free Cluster bus port after 50 attempts");
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free loopback port for the embedded Redis Cluster", e);
        }
    }

    private static boolean isFree(int port) {
        try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            return socket.isBound();
        } catch (IOException e) {
            return false;
        }
    }
}
