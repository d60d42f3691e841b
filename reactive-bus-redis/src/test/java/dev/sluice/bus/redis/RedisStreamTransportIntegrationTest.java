package dev.sluice.bus.redis;

import static dev.sluice.bus.redis.TransportFixture.WAIT;
import static dev.sluice.bus.redis.TransportFixture.builder;
import static dev.sluice.bus.redis.TransportFixture.close;
import static dev.sluice.bus.redis.TransportFixture.declared;
import static dev.sluice.bus.redis.TransportFixture.event;
import static dev.sluice.bus.redis.TransportFixture.type;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.bus.Event;
import dev.sluice.bus.EventType;
import dev.sluice.bus.SubscriberHealth;
import dev.sluice.bus.redis.TransportFixture.Placed;
import dev.sluice.bus.spi.Appended;
import dev.sluice.testsupport.RedisExtension;
import dev.sluice.testsupport.TestRedis;
import io.lettuce.core.Range;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XGroupCreateArgs;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.api.sync.RedisCommands;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

/** The transport against the embedded Redis 6.2: layout, declare, the instance lease, append and appendAll. */
@Tag("integration")
@ExtendWith(RedisExtension.class)
class RedisStreamTransportIntegrationTest {

    @Test
    void everyFieldRoundTripsAndAPlainClientReadsThemAsStrings(TestRedis redis) {
        EventType<Placed> type = type("order.placed", 4);
        RedisStreamTransport transport = declared(builder(redis, redis.uri()), type);
        try {
            Event<Placed> event = event(type, "customer-7", 1);

            Appended appended = transport.append(event).block(WAIT);

            assertThat(appended.eventId()).isEqualTo(event.id());
            assertThat(appended.partition()).isEqualTo(PartitionHash.partition("customer-7", 4));
            String stream = transport.context().keys(type).stream(appended.partition());
            assertThat(stream).isEqualTo(redis.keyPrefix() + "sluice:ev:{order.placed:" + appended.partition() + "}");
            List<StreamMessage<String, String>> raw = redis.connect().sync().xrange(stream, Range.create("-", "+"));
            assertThat(raw).hasSize(1);
            assertThat(raw.get(0).getId()).isEqualTo(appended.entryId());
            assertThat(raw.get(0).getBody())
                    .containsExactlyInAnyOrderEntriesOf(Map.of(
                            "id", event.id(),
                            "type", "order.placed",
                            "key", "customer-7",
                            "headers", "{\"correlation-id\":\"c-1\"}",
                            "payload", "{\"order\":\"o-1\",\"seq\":1,\"at\":\"2026-03-01T12:00:00.500Z\"}",
                            "published_at", "2026-03-01T12:00:01Z",
                            "format", "json;v=1"));
            StreamContext.Decoded<Placed> decoded = transport.context().decode(type, appended.partition(), raw.get(0));
            assertThat(decoded.undecodable()).isNull();
            assertThat(decoded.event()).isEqualTo(event);
        } finally {
            close(transport);
        }
    }

    @Test
    void keyedEventsGoToTheirHashPartitionAndNullKeysGoRoundRobin(TestRedis redis) {
        EventType<Placed> type = type("order.placed", 4);
        RedisStreamTransport transport = declared(builder(redis, redis.uri()), type);
        try {
            List<Integer> keyed = Flux.range(0, 40)
                    .concatMap(i -> transport.append(event(type, "k-" + i, i)))
                    .map(Appended::partition)
                    .collectList()
                    .block(WAIT);
            List<Integer> unkeyed = Flux.range(0, 8)
                    .concatMap(i -> transport.append(event(type, null, i)))
                    .map(Appended::partition)
                    .collectList()
                    .block(WAIT);

            assertThat(keyed)
                    .isEqualTo(IntStream.range(0, 40)
                            .mapToObj(i -> PartitionHash.partition("k-" + i, 4))
                            .toList());
            Map<Integer, Integer> perPartition = new HashMap<>();
            unkeyed.forEach(p -> perPartition.merge(p, 1, Integer::sum));
            assertThat(perPartition).isEqualTo(Map.of(0, 2, 1, 2, 2, 2, 3, 2));
        } finally {
            close(transport);
        }
    }

    @Test
    void declaringAnotherPartitionCountIsAnErrorNamingBoth(TestRedis redis) {
        RedisStreamTransport first = declared(builder(redis, redis.uri()), type("order.placed", 4));
        RedisStreamTransport second = builder(redis, redis.uri()).build();
        try {
            StepVerifier.create(second.declare(type("order.placed", 8)))
                    .expectErrorSatisfies(e -> assertThat(e)
                            .isInstanceOf(IllegalStateException.class)
                            .hasMessageContaining("'order.placed' has 4 partitions recorded in Redis")
                            .hasMessageContaining("declared with 8"))
                    .verify(WAIT);
            // the same count is fine, again and from another instance
            StepVerifier.create(second.declare(type("order.placed", 4)))
                    .expectComplete()
                    .verify(WAIT);
            assertThat(redis.connect().sync().hgetall(redis.keyPrefix() + "sluice:ev:{order.placed}:meta"))
                    .isEqualTo(Map.of("partitions", "4", "schema", "1"));
        } finally {
            close(first);
            close(second);
        }
    }

    @Test
    void anInstanceIdHeldByALiveInstanceIsRefusedAndARestartTakesANewGeneration(TestRedis redis) {
        EventType<Placed> type = type("order.placed", 2);
        String lease = redis.keyPrefix() + "sluice:instance:node-a";
        RedisCommands<String, String> sync = redis.connect().sync();
        RedisStreamTransport first = declared(builder(redis, redis.uri()).instanceId("node-a"), type);
        String firstGeneration = sync.get(lease);
        RedisStreamTransport twin =
                builder(redis, redis.uri()).instanceId("node-a").build();
        try {
            StepVerifier.create(twin.declare(type))
                    .expectErrorSatisfies(e -> assertThat(e)
                            .isInstanceOf(IllegalStateException.class)
                            .hasMessageContaining("instance id 'node-a' is held by a live instance"))
                    .verify(WAIT);
            assertThat(firstGeneration).isNotNull();
            assertThat(sync.pttl(lease)).isPositive();
        } finally {
            close(twin);
            close(first);
        }
        // a clean close releases the id at once; the next start takes a new generation
        assertThat(sync.exists(lease)).isZero();
        RedisStreamTransport restarted = declared(builder(redis, redis.uri()).instanceId("node-a"), type);
        try {
            assertThat(sync.get(lease)).isNotNull().isNotEqualTo(firstGeneration);
        } finally {
            close(restarted);
        }
    }

    @Test
    void appendAllReturnsReceiptsInInputOrderAndKeepsEachKeysOrder(TestRedis redis) {
        EventType<Placed> type = type("order.placed", 4);
        RedisStreamTransport transport = declared(builder(redis, redis.uri()).appendConcurrency(64), type);
        try {
            List<Event<Placed>> events = IntStream.range(0, 1_000)
                    .mapToObj(i -> event(type, "key-" + i % 37, i))
                    .toList();

            List<Appended> receipts =
                    transport.appendAll(Flux.fromIterable(events)).collectList().block(WAIT);

            assertThat(receipts)
                    .extracting(Appended::eventId)
                    .isEqualTo(events.stream().map(Event::id).toList());
            RedisCommands<String, String> sync = redis.connect().sync();
            Map<String, List<Integer>> seqsByKey = new HashMap<>();
            for (int p = 0; p < 4; p++) {
                for (StreamMessage<String, String> entry :
                        sync.xrange(transport.context().keys(type).stream(p), Range.create("-", "+"))) {
                    int seq = Integer.parseInt(entry.getBody().get("payload").replaceAll(".*\"seq\":(\\d+).*", "$1"));
                    seqsByKey
                            .computeIfAbsent(entry.getBody().get("key"), k -> new ArrayList<>())
                            .add(seq);
                }
            }
            assertThat(seqsByKey).hasSize(37);
            seqsByKey.values().forEach(seqs -> assertThat(seqs).isSorted());
            assertThat(seqsByKey.values().stream().mapToInt(List::size).sum()).isEqualTo(1_000);
        } finally {
            close(transport);
        }
    }

    @Test
    void anUndeclaredTypeIsSignalledNotThrown(TestRedis redis) {
        RedisStreamTransport transport = builder(redis, redis.uri()).build();
        try {
            EventType<Placed> type = type("order.placed", 2);

            StepVerifier.create(transport.append(event(type, "k", 1)))
                    .expectErrorSatisfies(e -> assertThat(e)
                            .isInstanceOf(IllegalStateException.class)
                            .hasMessageContaining("'order.placed' was not declared"))
                    .verify(WAIT);
            StepVerifier.create(transport.declare(EventType.of("order.plain", Placed.class)))
                    .expectErrorSatisfies(e -> assertThat(e)
                            .isInstanceOf(IllegalArgumentException.class)
                            .hasMessageContaining("'order.plain' is not durable"))
                    .verify(WAIT);
        } finally {
            close(transport);
        }
    }

    @Test
    void metersCountAppendsPerTypeAndHealthFollowsTheTransport(TestRedis redis) {
        EventType<Placed> type = type("order.placed", 2);
        RedisStreamTransport transport = declared(builder(redis, redis.uri()), type);
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        transport.bindTo(meters);

        transport.appendAll(Flux.range(0, 25).map(i -> event(type, "k" + i, i))).blockLast(WAIT);

        assertThat(meters.get("sluice.durable.appended")
                        .tag("type", "order.placed")
                        .functionCounter()
                        .count())
                .isEqualTo(25.0);
        assertThat(meters.get("sluice.durable.publish.failures")
                        .functionCounter()
                        .count())
                .isZero();
        assertThat(transport.health()).isEqualTo(SubscriberHealth.healthy());
        close(transport);
        assertThat(transport.health().status()).isEqualTo(SubscriberHealth.Status.UNHEALTHY);
        StepVerifier.create(transport.append(event(type, "k", 1)))
                .expectErrorMessage(transport + " is closed")
                .verify(WAIT);
    }

    @Test
    void deleteGroupRemovesTheGroupItsLeasesAndItsCountersOnEveryPartition(TestRedis redis) {
        EventType<Placed> type = type("order.placed", 3);
        RedisStreamTransport transport = declared(builder(redis, redis.uri()), type);
        try {
            StreamKeys keys = transport.context().keys(type);
            RedisCommands<String, String> sync = redis.connect().sync();
            for (int p = 0; p < 3; p++) {
                sync.xgroupCreate(
                        XReadArgs.StreamOffset.from(keys.stream(p), "0"),
                        "billing",
                        XGroupCreateArgs.Builder.mkstream());
                sync.xgroupCreate(
                        XReadArgs.StreamOffset.from(keys.stream(p), "0"),
                        "shipping",
                        XGroupCreateArgs.Builder.mkstream());
                sync.hset(keys.audit(p), Map.of("acked:billing", "3", "acked:shipping", "4", "trimmed", "1"));
                sync.set(keys.lease(p, "billing"), "node-a:1");
                sync.hset(keys.fence(p, "billing"), "generation", "1");
            }
            sync.zadd(keys.members("billing"), 1.0, "node-a");

            Long deleted = transport.deleteGroup(type, "billing").block(WAIT);

            assertThat(deleted).isEqualTo(3);
            for (int p = 0; p < 3; p++) {
                assertThat(sync.xinfoGroups(keys.stream(p))).hasSize(1);
                assertThat(sync.hgetall(keys.audit(p))).isEqualTo(Map.of("acked:shipping", "4", "trimmed", "1"));
                assertThat(sync.exists(keys.lease(p, "billing"), keys.fence(p, "billing")))
                        .isZero();
            }
            assertThat(sync.exists(keys.members("billing"))).isZero();
        } finally {
            close(transport);
        }
    }
}
