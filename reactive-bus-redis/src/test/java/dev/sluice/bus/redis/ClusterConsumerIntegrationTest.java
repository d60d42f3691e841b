package dev.sluice.bus.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.bus.Durability;
import dev.sluice.bus.Event;
import dev.sluice.bus.EventType;
import dev.sluice.bus.StartPosition;
import dev.sluice.bus.spi.ConsumerSpec;
import dev.sluice.bus.spi.Received;
import dev.sluice.testsupport.TestCluster;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.reactive.RedisClusterReactiveCommands;
import io.lettuce.core.cluster.api.sync.RedisAdvancedClusterCommands;
import io.lettuce.core.codec.StringCodec;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * {@link StreamConsumer} over a Redis Cluster connection, under BlockHound: every script runs on the node of its
 * partition's slot, and streams of different slots are read apart. Runs on {@link TestCluster}: the Cluster named by {@code
 * SLUICE_TEST_REDIS_CLUSTER_URL} (e.g. a 3-master Cluster) if set, else a one-node embedded Redis Cluster that owns
 * every slot.
 */
@Tag("integration")
class ClusterConsumerIntegrationTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    private static TestCluster cluster;
    private static RedisClusterClient client;

    @BeforeAll
    static void startCluster() throws IOException {
        cluster = TestCluster.start("consumer");
        client = RedisClusterClient.create(cluster.seed());
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
    void twoConsumersShareTheSlotsReadEveryEntryOnceAndHandOverCleanly() {
        EventType<String> type = EventType.of("orders.placed", String.class).durable(new Durability(8, 1));
        String prefix = cluster.keyPrefix("sluice-cluster-test");
        StreamKeys keys = new StreamKeys(prefix, type.name(), 8);
        StatefulRedisClusterConnection<String, String> admin = client.connect();
        RedisAdvancedClusterCommands<String, String> sync = admin.sync();
        StreamConsumer<String> a = consumer(prefix, "a", type);
        StreamConsumer<String> b = consumer(prefix, "b", type);
        a.read(1).block(WAIT);
        b.read(1).block(WAIT);
        Flux.interval(Duration.ofMillis(50))
                .onBackpressureDrop()
                .concatMap(i -> a.heartbeatNow()
                        .then(b.heartbeatNow())
                        .thenReturn(a.owned().size() == 4 && b.owned().size() == 4))
                .filter(Boolean::booleanValue)
                .next()
                .block(WAIT);
        for (int i = 0; i < 40; i++) {
            sync.xadd(
                    keys.stream(i % 8),
                    Map.of(
                            "id",
                            "e" + i,
                            "payload",
                            "e" + i,
                            "published_at",
                            Instant.now().toString()));
        }

        List<Received<String>> byA = new ArrayList<>();
        List<Received<String>> byB = new ArrayList<>();
        Flux.interval(Duration.ofMillis(1))
                .onBackpressureDrop()
                .concatMap(i -> a.read(5).doOnNext(byA::addAll).then(b.read(5).doOnNext(byB::addAll)))
                .filter(ignored -> byA.size() + byB.size() >= 40)
                .next()
                .block(WAIT);
        Flux.fromIterable(byA).concatMap(a::ack).then().block(WAIT);
        byB.subList(0, 2).forEach(b::release);
        Flux.fromIterable(byB.subList(2, byB.size())).concatMap(b::ack).then().block(WAIT);
        Set<Integer> releasedFrom = new TreeSet<>();
        byB.subList(0, 2).forEach(r -> releasedFrom.add(r.partition()));
        b.close().block(WAIT);
        List<Received<String>> handedOver = new ArrayList<>();
        Flux.interval(Duration.ofMillis(10))
                .onBackpressureDrop()
                .concatMap(i -> a.heartbeatNow().then(a.read(10)).doOnNext(handedOver::addAll))
                .filter(ignored -> handedOver.size() >= 2)
                .next()
                .block(WAIT);

        Set<String> seen = new HashSet<>();
        byA.forEach(r -> seen.add(r.partition() + "/" + r.entryId()));
        byB.forEach(r -> seen.add(r.partition() + "/" + r.entryId()));
        assertThat(seen).hasSize(40);
        assertThat(new TreeSet<>(a.owned())).isEqualTo(new TreeSet<>(List.of(0, 1, 2, 3, 4, 5, 6, 7)));
        assertThat(handedOver)
                .extracting(r -> r.partition() + "/" + r.entryId())
                .containsExactlyInAnyOrderElementsOf(byB.subList(0, 2).stream()
                        .map(r -> r.partition() + "/" + r.entryId())
                        .toList());
        assertThat(handedOver).allSatisfy(r -> assertThat(r.deliveryFailures()).isZero());
        long acked = 0;
        for (int p = 0; p < 8; p++) {
            String count = sync.hget(keys.audit(p), "acked:search");
            acked += count == null ? 0 : Long.parseLong(count);
        }
        assertThat(acked).isEqualTo(38);
        a.close().block(WAIT);
        admin.close();
        assertThat(releasedFrom).isNotEmpty();
    }

    private static StreamConsumer<String> consumer(String prefix, String instance, EventType<String> type) {
        return new StreamConsumer<>(
                new ClusterContext(prefix, instance),
                new ConsumerSpec<>("search", type, StartPosition.NEWEST, Duration.ofHours(1)));
    }

    /** A test-scope context over the test Cluster: one shared Cluster connection, a new one per read connection. */
    private static final class ClusterContext implements StreamContext {

        private final String prefix;
        private final String instance;
        private final Mono<RedisClusterReactiveCommands<String, String>> commands;

        ClusterContext(String prefix, String instance) {
            this.prefix = prefix;
            this.instance = instance;
            this.commands = Mono.fromCompletionStage(() -> client.connectAsync(StringCodec.UTF8))
                    .<RedisClusterReactiveCommands<String, String>>map(StatefulRedisClusterConnection::reactive)
                    .cache();
        }

        @Override
        public String instanceId() {
            return instance;
        }

        @Override
        public StreamKeys keys(EventType<?> type) {
            return new StreamKeys(prefix, type.name(), 8);
        }

        @Override
        public Mono<RedisClusterReactiveCommands<String, String>> commands() {
            return commands;
        }

        @Override
        public Mono<ReadConnection> openReadConnection() {
            return Mono.fromCompletionStage(() -> client.connectAsync(StringCodec.UTF8))
                    .map(connection -> new ReadConnection() {
                        @Override
                        public RedisClusterReactiveCommands<String, String> commands() {
                            return connection.reactive();
                        }

                        @Override
                        public boolean cluster() {
                            return true;
                        }

                        @Override
                        public Mono<Void> close() {
                            return Mono.fromCompletionStage(connection.closeAsync());
                        }
                    });
        }

        @Override
        public <T> Decoded<T> decode(EventType<T> type, int partition, StreamMessage<String, String> entry) {
            Map<String, String> body = entry.getBody();
            return new Decoded<>(
                    new Event<>(
                            body.get("id"),
                            type,
                            null,
                            type.payloadType().cast(body.get("payload")),
                            Map.of(),
                            Instant.parse(body.get("published_at"))),
                    null);
        }

        @Override
        public Settings settings() {
            return ConsumerTestContext.SETTINGS;
        }

        @Override
        public Scheduler timers() {
            return Schedulers.parallel();
        }
    }
}
