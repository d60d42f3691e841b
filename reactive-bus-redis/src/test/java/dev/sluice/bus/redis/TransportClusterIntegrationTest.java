package dev.sluice.bus.redis;

import static dev.sluice.bus.redis.TransportFixture.WAIT;
import static dev.sluice.bus.redis.TransportFixture.event;
import static dev.sluice.bus.redis.TransportFixture.type;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.bus.Event;
import dev.sluice.bus.EventType;
import dev.sluice.bus.redis.TransportFixture.Placed;
import dev.sluice.bus.spi.Appended;
import io.lettuce.core.ClientOptions.DisconnectedBehavior;
import io.lettuce.core.Consumer;
import io.lettuce.core.Range;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.XGroupCreateArgs;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;
import redis.embedded.RedisServer;

/**
 * The transport against a real one-node Redis Cluster (embedded Redis 6.2 with {@code cluster-enabled yes}, owning all
 * 16384 slots), as the dead-letter store's {@code RedisClusterIntegrationTest} does: every command and script is routed
 * by its key's slot, and a type's partitions are in different slots.
 */
@Tag("integration")
class TransportClusterIntegrationTest {

    private static RedisServer server;
    private static RedisURI uri;
    private static RedisClusterClient client;

    @BeforeAll
    static void startCluster() throws IOException {
        int port = freePortWithBusPort();
        Path dir = Path.of(System.getProperty("basedir", "."), "target", "embedded-redis-cluster", "t" + port)
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
    void roundTripThroughAClusterClientTheTransportCreates() {
        RedisStreamTransport transport = RedisStreamTransport.clusterBuilder(List.of(uri))
                .keyPrefix("own-" + System.nanoTime())
                .commandTimeout(Duration.ofSeconds(3))
                .build();
        exercise(transport);
    }

    @Test
    void roundTripThroughTheApplicationsClusterClient() {
        RedisStreamTransport transport = RedisStreamTransport.builder(client)
                .keyPrefix("app-" + System.nanoTime())
                .build();
        exercise(transport);
        // the transport does not shut down a client it was given
        try (StatefulRedisClusterConnection<String, String> connection = client.connect()) {
            assertThat(connection.sync().ping()).isEqualTo("PONG");
        }
    }

    private static void exercise(RedisStreamTransport transport) {
        EventType<Placed> type = type("order.placed", 8);
        // the one node owns every slot, so a plain connection to it reads every key (a Cluster connection of the
        // application's client would reject commands while its node connection is still opening)
        RedisClient plain = RedisClient.create(StoreFixture.RESOURCES, uri);
        try (StatefulRedisConnection<String, String> connection = plain.connect()) {
            RedisCommands<String, String> sync = connection.sync();
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
