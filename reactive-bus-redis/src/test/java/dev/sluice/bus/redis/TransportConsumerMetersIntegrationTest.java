package dev.sluice.bus.redis;

import static dev.sluice.bus.redis.TransportFixture.WAIT;
import static dev.sluice.bus.redis.TransportFixture.builder;
import static dev.sluice.bus.redis.TransportFixture.close;
import static dev.sluice.bus.redis.TransportFixture.declared;
import static dev.sluice.bus.redis.TransportFixture.event;
import static dev.sluice.bus.redis.TransportFixture.type;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.bus.EventType;
import dev.sluice.bus.StartPosition;
import dev.sluice.bus.redis.TransportFixture.Placed;
import dev.sluice.bus.spi.ConsumerSpec;
import dev.sluice.bus.spi.Received;
import dev.sluice.bus.spi.TransportConsumer;
import dev.sluice.testsupport.RedisExtension;
import dev.sluice.testsupport.TestRedis;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import reactor.core.publisher.Flux;

/**
 * The consumer meters ({@link ConsumerMeter}) are bound where the transport binds its own (regression: {@code
 * StreamConsumer.meters()} was bound by no one, so no {@code sluice.durable.*} consumer meter existed in an
 * application): for consumers opened before and after {@link RedisStreamTransport#bindTo}, tagged with type and
 * subscriber, removed when the consumer closes so that the subscriber's next consumer shows its own values.
 */
@Tag("integration")
@ExtendWith(RedisExtension.class)
class TransportConsumerMetersIntegrationTest {

    private static final EventType<Placed> TYPE = type("order.placed", 2);

    @Test
    void consumerMetersAreBoundWithTheTransportsAndRemovedOnClose(TestRedis redis) {
        RedisStreamTransport transport = declared(builder(redis, redis.uri()), TYPE);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try {
            TransportConsumer<Placed> early = transport.consumer(spec("billing"));
            transport.bindTo(registry);
            TransportConsumer<Placed> late = transport.consumer(spec("shipping"));
            transport
                    .appendAll(Flux.range(0, 4).map(i -> event(TYPE, "k-" + i, i)))
                    .blockLast(WAIT);

            readAllAndAck(early, 4);
            List<Received<Placed>> refusedLater = readAll(late, 4);

            for (String subscriber : List.of("billing", "shipping")) {
                for (ConsumerMeter meter : ConsumerMeter.values()) {
                    assertThat(registry.find(meter.meterName())
                                    .tags("type", TYPE.name(), "subscriber", subscriber)
                                    .meters())
                            .as(meter.meterName() + " of " + subscriber)
                            .hasSize(1);
                }
            }
            assertThat(gauge(registry, "billing", "sluice.durable.partitions.owned"))
                    .isEqualTo(2.0);
            assertThat(counter(registry, "shipping", "sluice.durable.ownership.changes"))
                    .isEqualTo(2.0);
            refusedLater.forEach(late::release);
            late.close().block(WAIT);
            assertThat(registry.find("sluice.durable.released")
                            .tag("subscriber", "shipping")
                            .functionCounter())
                    .as("a closed consumer's meters are removed")
                    .isNull();
            assertThat(gauge(registry, "billing", "sluice.durable.partitions.owned"))
                    .isEqualTo(2.0);

            TransportConsumer<Placed> again = transport.consumer(spec("shipping"));
            List<Received<Placed>> readAgain = readAll(again, 4);
            assertThat(counter(registry, "shipping", "sluice.durable.released"))
                    .as("the new consumer's counter, not the closed one's (which had released 4)")
                    .isZero();
            readAgain.forEach(again::release);
            again.close().block(WAIT);
            assertThat(counter(registry, "shipping", "sluice.durable.released"))
                    .as("removed on close")
                    .isEqualTo(-1.0);
            early.close().block(WAIT);
        } finally {
            close(transport);
        }
    }

    private static ConsumerSpec<Placed> spec(String subscriber) {
        return new ConsumerSpec<>(subscriber, TYPE, StartPosition.OLDEST, Duration.ofSeconds(1));
    }

    private static List<Received<Placed>> readAll(TransportConsumer<Placed> consumer, int count) {
        List<Received<Placed>> read = new ArrayList<>();
        Flux.defer(() -> consumer.read(16))
                .doOnNext(read::addAll)
                .repeat(() -> read.size() < count)
                .then()
                .block(WAIT);
        return read;
    }

    private static void readAllAndAck(TransportConsumer<Placed> consumer, int count) {
        Flux.fromIterable(readAll(consumer, count))
                .concatMap(consumer::ack)
                .then()
                .block(WAIT);
    }

    private static double gauge(SimpleMeterRegistry registry, String subscriber, String name) {
        Gauge gauge = registry.find(name).tag("subscriber", subscriber).gauge();
        return gauge == null ? -1.0 : gauge.value();
    }

    private static double counter(SimpleMeterRegistry registry, String subscriber, String name) {
        FunctionCounter counter =
                registry.find(name).tag("subscriber", subscriber).functionCounter();
        return counter == null ? -1.0 : counter.count();
    }
}
