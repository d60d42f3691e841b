package dev.sluice.bus.redis;

import static dev.sluice.bus.redis.TransportFixture.WAIT;
import static dev.sluice.bus.redis.TransportFixture.event;
import static dev.sluice.bus.redis.TransportFixture.type;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.bus.Event;
import dev.sluice.bus.EventType;
import dev.sluice.bus.redis.TransportFixture.Placed;
import dev.sluice.bus.spi.Appended;
import dev.sluice.testsupport.TestCluster;
import io.lettuce.core.ClientOptions.DisconnectedBehavior;
import io.lettuce.core.Consumer;
import io.lettuce.core.Range;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.XGroupCreateArgs;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.sync.RedisAdvancedClusterCommands;
import java.io.IOException;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

/**
 * The transport against a real Redis Cluster ({@link TestCluster}: a one-node embedded one owning all 16384 slots, or
 * the Cluster named by {@code SLUICE_TEST_REDIS_CLUSTER_URL}), as the dead-letter store's {@code RedisClusterIntegrationTest} does: every command and script is routed
 * by its key's slot, and a type's partitions are in different slots.
 */
@Tag("integration")
class TransportClusterIntegrationTest {

    private static TestCluster cluster;
    private static RedisClusterClient client;

    @BeforeAll
    static void startCluster() throws IOException {
        cluster = TestCluster.start("transport");
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
    void roundTripThroughAClusterClientTheTransportCreates() {
        RedisStreamTransport transport = RedisStreamTransport.clusterBuilder(List.of(cluster.seed()))
                .keyPrefix(cluster.keyPrefix("own"))
                .commandTimeout(Duration.ofSeconds(3))
                .build();
        exercise(transport);
    }

    @Test
    void roundTripThroughTheApplicationsClusterClient() {
        RedisStreamTransport transport = RedisStreamTransport.builder(client)
                .keyPrefix(cluster.keyPrefix("app"))
                .build();
        exercise(transport);
        // the transport does not shut down a client it was given
        try (StatefulRedisClusterConnection<String, String> connection = client.connect()) {
            assertThat(connection.sync().ping()).isEqualTo("PONG");
        }
    }

    private static void exercise(RedisStreamTransport transport) {
        EventType<Placed> type = type("order.placed", 8);
        // a client of its own with Lettuce's defaults: the application's client rejects commands while a node
        // connection is still opening
        RedisClusterClient plain = RedisClusterClient.create(StoreFixture.RESOURCES, cluster.seed());
        try (StatefulRedisClusterConnection<String, String> connection = plain.connect()) {
            RedisAdvancedClusterCommands<String, String> sync = connection.sync();
            StepVerifier.create(transport.declare(type)).expectComplete().verify(WAIT);
            StreamKeys keys = transport.context().keys(type);
            Set<Integer> slots = new HashSet<>();
            for (int p = 0; p < 8; p++) {
                slots.add(SlotHash.getSlot(keys.stream(p)));
                assertThat(SlotHash.getSlot(keys.audit(p))).isEqualTo(SlotHash.getSlot(keys.stream(p)));
            }
            assertThat(slots).hasSize(8);

            Event<Placed> one = event(type, "customer-1", 1);
            Appended appended = transport.append(one).block(WAIT);
            List<Appended> all = transport
                    .appendAll(Flux.range(0, 200).map(i -> event(type, "k-" + i, i)))
                    .collectList()
                    .block(WAIT);

            List<StreamMessage<String, String>> raw =
                    sync.xrange(keys.stream(appended.partition()), Range.create("-", "+"));
            assertThat(raw).extracting(StreamMessage::getId).contains(appended.entryId());
            StreamMessage<String, String> entry = raw.stream()
                    .filter(e -> e.getId().equals(appended.entryId()))
                    .findFirst()
                    .orElseThrow();
            assertThat(transport
                            .context()
                            .decode(type, appended.partition(), entry)
                            .event())
                    .isEqualTo(one);
            assertThat(all).hasSize(200);

            // a group acknowledging everything on every partition: retention takes it all, the audit balances
            for (int p = 0; p < 8; p++) {
                sync.xgroupCreate(
                        XReadArgs.StreamOffset.from(keys.stream(p), "0"),
                        "billing",
                        XGroupCreateArgs.Builder.mkstream());
                String[] ids = sync
                        .xreadgroup(
                                Consumer.from("billing", "node-a"),
                                XReadArgs.Builder.count(1_000),
                                XReadArgs.StreamOffset.lastConsumed(keys.stream(p)))
                        .stream()
                        .map(StreamMessage::getId)
                        .toArray(String[]::new);
                if (ids.length > 0) {
                    sync.xack(keys.stream(p), "billing", ids);
                    sync.hincrby(keys.audit(p), "acked:billing", ids.length);
                }
            }
            assertThat(transport.trim(type).block(WAIT)).isEqualTo(201);
            StreamAudit audit = transport.audit(type).block(WAIT);
            assertThat(audit.published()).isEqualTo(201);
            assertThat(audit.groups().get("billing"))
                    .isEqualTo(new StreamAudit.Group("billing", 201, 0, 201, 0, 0, 0, 0));
            assertThat(transport.deleteGroup(type, "billing").block(WAIT)).isEqualTo(8);
        } finally {
            TransportFixture.close(transport);
            plain.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }
}
