package dev.sluice.bus.redis;

import static dev.sluice.bus.redis.TransportFixture.WAIT;
import static dev.sluice.bus.redis.TransportFixture.builder;
import static dev.sluice.bus.redis.TransportFixture.close;
import static dev.sluice.bus.redis.TransportFixture.declared;
import static dev.sluice.bus.redis.TransportFixture.event;
import static dev.sluice.bus.redis.TransportFixture.type;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.bus.EventType;
import dev.sluice.bus.redis.TransportFixture.Placed;
import dev.sluice.bus.spi.Appended;
import dev.sluice.testsupport.RedisExtension;
import dev.sluice.testsupport.TestRedis;
import io.lettuce.core.Consumer;
import io.lettuce.core.Range;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XGroupCreateArgs;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.api.sync.RedisCommands;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import reactor.core.publisher.Flux;

/**
 * Retention and the audit on the embedded Redis 6.2 (no {@code lag} field): trimming never removes an entry a group
 * has not acknowledged; a maximum length trims them but counts each one. Groups are read and acknowledged by hand
 * here, with plain XREADGROUP and XACK (and the audit's {@code acked:<group>} as the consumer's ack script keeps it).
 */
@Tag("integration")
@ExtendWith(RedisExtension.class)
class RetentionIntegrationTest {

    private static final EventType<Placed> TYPE = type("order.placed", 1);

    @Test
    void trimmingRemovesOnlyWhatEveryGroupAcknowledged(TestRedis redis) {
        RedisStreamTransport transport = declared(builder(redis, redis.uri()), TYPE);
        try {
            StreamKeys keys = transport.context().keys(TYPE);
            RedisCommands<String, String> sync = redis.connect().sync();
            List<Appended> appended = append(transport, 10);
            String stream = keys.stream(0);
            group(sync, stream, "billing", "0");
            group(sync, stream, "shipping", "0");
            // billing: 6 delivered, the first 3 acknowledged, 3 pending, 4 undelivered
            List<StreamMessage<String, String>> billing = read(sync, stream, "billing", 6);
            ack(sync, keys, "billing", billing.subList(0, 3));
            // shipping: 8 delivered, the first 5 acknowledged
            List<StreamMessage<String, String>> shipping = read(sync, stream, "shipping", 8);
            ack(sync, keys, "shipping", shipping.subList(0, 5));

            long trimmed = transport.trim(TYPE).block(WAIT);

            // the oldest entry still needed is billing's first pending one, the 4th
            assertThat(trimmed).isEqualTo(3);
            assertThat(ids(sync, stream)).isEqualTo(ids(appended.subList(3, 10)));
            assertThat(sync.hget(keys.audit(0), "trimmed")).isEqualTo("3");

            // billing acknowledges everything it read; shipping still has 3 pending from the 6th on
            ack(sync, keys, "billing", billing.subList(3, 6));
            assertThat(transport.trim(TYPE).block(WAIT)).isEqualTo(2);
            assertThat(ids(sync, stream)).isEqualTo(ids(appended.subList(5, 10)));

            // nothing is pending any more: what is left is undelivered for billing (7th-10th) and pinned by it
            ack(sync, keys, "shipping", shipping.subList(5, 8));
            assertThat(transport.trim(TYPE).block(WAIT)).isEqualTo(1);
            assertThat(ids(sync, stream)).isEqualTo(ids(appended.subList(6, 10)));

            StreamAudit audit = transport.audit(TYPE).block(WAIT);
            assertThat(audit.published()).isEqualTo(10);
            assertThat(audit.trimmed()).isEqualTo(6);
            assertThat(audit.groups().get("billing")).isEqualTo(new StreamAudit.Group("billing", 10, 0, 6, 0, 4, 0, 0));
            assertThat(audit.groups().get("shipping"))
                    .isEqualTo(new StreamAudit.Group("shipping", 10, 0, 8, 0, 2, 0, 0));
        } finally {
            close(transport);
        }
    }

    @Test
    void aStreamWithoutGroupsAndAGroupThatReadNothingKeepEverything(TestRedis redis) {
        RedisStreamTransport transport = declared(builder(redis, redis.uri()), TYPE);
        try {
            RedisCommands<String, String> sync = redis.connect().sync();
            String stream = transport.context().keys(TYPE).stream(0);
            append(transport, 5);

            assertThat(transport.trim(TYPE).block(WAIT)).isZero();
            group(sync, stream, "billing", "0");
            assertThat(transport.trim(TYPE).block(WAIT)).isZero();

            assertThat(sync.xlen(stream)).isEqualTo(5);
        } finally {
            close(transport);
        }
    }

    @Test
    void aMaximumLengthCountsEveryEntryItTrimmedBeforeAGroupHandledIt(TestRedis redis) {
        RedisStreamTransport transport = declared(builder(redis, redis.uri()).maxLength(4), TYPE);
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        transport.bindTo(meters);
        try {
            StreamKeys keys = transport.context().keys(TYPE);
            RedisCommands<String, String> sync = redis.connect().sync();
            String stream = keys.stream(0);
            List<Appended> appended = append(transport, 12);
            group(sync, stream, "billing", "0");
            group(sync, stream, "shipping", "0");
            // billing: 5 read, 2 acknowledged, so 3 pending and 7 undelivered; shipping: all 12 read and acknowledged
            List<StreamMessage<String, String>> billing = read(sync, stream, "billing", 5);
            ack(sync, keys, "billing", billing.subList(0, 2));
            ack(sync, keys, "shipping", read(sync, stream, "shipping", 12));

            long trimmed = transport.trim(TYPE).block(WAIT);

            // the first 2 went as acknowledged by both; 6 more beyond the max length: 3 pending, 3 undelivered
            assertThat(trimmed).isEqualTo(8);
            assertThat(ids(sync, stream)).isEqualTo(ids(appended.subList(8, 12)));
            assertThat(sync.hget(keys.audit(0), "trimmed-unhandled:billing")).isEqualTo("6");
            assertThat(sync.hget(keys.audit(0), "trimmed-unhandled:shipping")).isNull();
            // the trimmed pending entries are acknowledged: they can never be handled, and must not pin retention
            assertThat(sync.xpending(stream, "billing").getCount()).isZero();
            assertThat(meters.get("sluice.durable.trimmed.unhandled")
                            .tag("subscriber", "billing")
                            .functionCounter()
                            .count())
                    .isEqualTo(6.0);
            assertThat(meters.get("sluice.durable.trimmed").functionCounter().count())
                    .isEqualTo(8.0);

            StreamAudit.Group audit = transport.audit(TYPE).block(WAIT).groups().get("billing");
            assertThat(audit).isEqualTo(new StreamAudit.Group("billing", 12, 0, 2, 0, 4, 6, 0));
            // the balance: published = base + acked + pending + undelivered + trimmed unhandled
            assertThat(audit.published())
                    .isEqualTo(audit.base()
                            + audit.acked()
                            + audit.pending()
                            + audit.undelivered()
                            + audit.trimmedUnhandled());
        } finally {
            close(transport);
        }
    }

    private static List<Appended> append(RedisStreamTransport transport, int n) {
        return Flux.range(0, n)
                .concatMap(i -> transport.append(event(TYPE, "k", i)))
                .collectList()
                .block(WAIT);
    }

    private static void group(RedisCommands<String, String> sync, String stream, String group, String from) {
        sync.xgroupCreate(XReadArgs.StreamOffset.from(stream, from), group, XGroupCreateArgs.Builder.mkstream());
    }

    private static List<StreamMessage<String, String>> read(
            RedisCommands<String, String> sync, String stream, String group, int count) {
        return sync.xreadgroup(
                Consumer.from(group, "node-a"),
                XReadArgs.Builder.count(count),
                XReadArgs.StreamOffset.lastConsumed(stream));
    }

    private static void ack(
            RedisCommands<String, String> sync,
            StreamKeys keys,
            String group,
            List<StreamMessage<String, String>> entries) {
        String[] ids = entries.stream().map(StreamMessage::getId).toArray(String[]::new);
        sync.xack(keys.stream(0), group, ids);
        sync.hincrby(keys.audit(0), "acked:" + group, ids.length);
    }

    private static List<String> ids(RedisCommands<String, String> sync, String stream) {
        return sync.xrange(stream, Range.create("-", "+")).stream()
                .map(StreamMessage::getId)
                .toList();
    }

    private static List<String> ids(List<Appended> appended) {
        return appended.stream().map(Appended::entryId).toList();
    }
}
