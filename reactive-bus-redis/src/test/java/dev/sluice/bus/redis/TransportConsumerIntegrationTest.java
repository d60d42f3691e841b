package dev.sluice.bus.redis;

import static dev.sluice.bus.redis.TransportFixture.WAIT;
import static dev.sluice.bus.redis.TransportFixture.builder;
import static dev.sluice.bus.redis.TransportFixture.close;
import static dev.sluice.bus.redis.TransportFixture.declared;
import static dev.sluice.bus.redis.TransportFixture.event;
import static dev.sluice.bus.redis.TransportFixture.type;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.bus.EventType;
import dev.sluice.bus.StartPosition;
import dev.sluice.bus.redis.TransportFixture.Placed;
import dev.sluice.bus.spi.Appended;
import dev.sluice.bus.spi.ConsumerSpec;
import dev.sluice.bus.spi.Received;
import dev.sluice.bus.spi.TransportConsumer;
import dev.sluice.testsupport.RedisExtension;
import dev.sluice.testsupport.TestRedis;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The transport with its real consumer ({@link StreamConsumer} over the transport's own context): what one instance
 * appends, it reads, acknowledges and accounts for; retention then takes what was acknowledged.
 */
@Tag("integration")
@ExtendWith(RedisExtension.class)
class TransportConsumerIntegrationTest {

    private static final EventType<Placed> TYPE = type("order.placed", 4);

    @Test
    void whatIsAppendedIsReadAcknowledgedAuditedAndTrimmed(TestRedis redis) {
        RedisStreamTransport transport = declared(builder(redis, redis.uri()), TYPE);
        try {
            List<Appended> appended = transport
                    .appendAll(Flux.range(0, 40).map(i -> event(TYPE, "k-" + i % 7, i)))
                    .collectList()
                    .block(WAIT);
            TransportConsumer<Placed> consumer = transport.consumer(
                    new ConsumerSpec<>("billing", TYPE, StartPosition.OLDEST, Duration.ofSeconds(1)));
            assertThatThrownBy(() -> transport.consumer(
                            new ConsumerSpec<>("billing", TYPE, StartPosition.OLDEST, Duration.ofSeconds(1))))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("'billing'");
            Set<String> handled = ConcurrentHashMap.newKeySet();

            // read and acknowledge until every appended entry was handled (the first reads may own no partition yet)
            Flux.defer(() -> consumer.read(16))
                    .concatMap(
                            entries -> Flux.fromIterable(entries).concatMap(entry -> handle(consumer, entry, handled)))
                    .repeat(() -> handled.size() < appended.size())
                    .then()
                    .block(WAIT);

            assertThat(handled)
                    .containsExactlyInAnyOrderElementsOf(
                            appended.stream().map(Appended::eventId).toList());
            consumer.close().block(WAIT);
            StreamAudit.Group audit = transport.audit(TYPE).block(WAIT).groups().get("billing");
            assertThat(audit.published()).isEqualTo(40);
            assertThat(audit.acked()).isEqualTo(40);
            assertThat(audit.pending()).isZero();
            assertThat(audit.undelivered()).isZero();
            assertThat(transport.trim(TYPE).block(WAIT)).isEqualTo(40);
            // closed: the subscriber may be consumed again
            transport
                    .consumer(new ConsumerSpec<>("billing", TYPE, StartPosition.OLDEST, Duration.ofSeconds(1)))
                    .close()
                    .block(WAIT);
        } finally {
            close(transport);
        }
    }

    private static Mono<Void> handle(TransportConsumer<Placed> consumer, Received<Placed> entry, Set<String> handled) {
        assertThat(consumer.mayStart(entry)).isTrue();
        assertThat(entry.event()).isNotNull();
        handled.add(entry.event().id());
        return consumer.ack(entry);
    }
}
