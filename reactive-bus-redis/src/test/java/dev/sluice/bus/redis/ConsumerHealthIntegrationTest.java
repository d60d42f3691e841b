package dev.sluice.bus.redis;

import static dev.sluice.bus.redis.ConsumerFixture.WAIT;
import static dev.sluice.bus.redis.ConsumerFixture.readAtLeast;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.bus.StartPosition;
import dev.sluice.bus.SubscriberHealth;
import dev.sluice.bus.spi.ConsumerSpec;
import dev.sluice.bus.spi.Received;
import dev.sluice.testsupport.RedisExtension;
import dev.sluice.testsupport.TestRedis;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import reactor.core.publisher.Flux;

/** The consumer's sampled lag and pending counts, its meters and its health, against the real test Redis. */
@Tag("integration")
@ExtendWith(RedisExtension.class)
class ConsumerHealthIntegrationTest {

    private static StreamConsumer<String> consumer(TestRedis redis, ConsumerFixture f, long maxLag, Duration maxAge) {
        StreamContext.Settings base = ConsumerTestContext.SETTINGS;
        StreamContext.Settings settings = new StreamContext.Settings(
                base.leaseTtl(), base.heartbeat(), base.safetyMargin(), base.block(), maxLag, maxAge);
        return new StreamConsumer<>(
                new ConsumerTestContext(redis, "a", settings),
                new ConsumerSpec<>("reports", f.type(), StartPosition.OLDEST, Duration.ofMillis(300)));
    }

    @Test
    void metersShowLagPendingAndOwnershipFromTheAudit(TestRedis redis) {
        ConsumerFixture f = new ConsumerFixture(redis, 2);
        StreamConsumer<String> consumer = consumer(redis, f, 1_000, Duration.ofMinutes(1));
        for (int i = 0; i < 5; i++) {
            f.append(0, "e" + i);
        }
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        consumer.meters().bindTo(registry);
        double before = registry.get("sluice.durable.lag").gauge().value();

        List<Received<String>> read = readAtLeast(consumer, 3, 3);
        consumer.ack(read.get(0)).block(WAIT);
        consumer.heartbeatNow().block(WAIT);

        assertThat(before).as("not sampled yet").isNaN();
        assertThat(registry.get("sluice.durable.lag")
                        .tag("subscriber", "reports")
                        .gauge()
                        .value())
                .isEqualTo(2.0);
        assertThat(registry.get("sluice.durable.pending").gauge().value()).isEqualTo(2.0);
        assertThat(registry.get("sluice.durable.partitions.owned").gauge().value())
                .isEqualTo(2.0);
        assertThat(registry.get("sluice.durable.ownership.changes")
                        .functionCounter()
                        .count())
                .isEqualTo(2.0);
        assertThat(registry.get("sluice.durable.pending.oldest.age").gauge().value())
                .isGreaterThanOrEqualTo(0.0);
        assertThat(consumer.health().status()).isEqualTo(SubscriberHealth.Status.HEALTHY);
        read.subList(1, 3).forEach(consumer::release);
        consumer.close().block(WAIT);
        assertThat(registry.get("sluice.durable.released").functionCounter().count())
                .isEqualTo(2.0);
    }

    @Test
    void healthIsDegradedWhileTheLagPassesItsBound(TestRedis redis) {
        ConsumerFixture f = new ConsumerFixture(redis, 1);
        StreamConsumer<String> consumer = consumer(redis, f, 2, Duration.ofMinutes(1));
        for (int i = 0; i < 4; i++) {
            f.append(0, "e" + i);
        }

        List<Received<String>> read = readAtLeast(consumer, 1, 1);
        consumer.heartbeatNow().block(WAIT);
        SubscriberHealth lagging = consumer.health();
        List<Received<String>> rest = readAtLeast(consumer, 3, 3);
        Flux.fromIterable(read)
                .concatWith(Flux.fromIterable(rest))
                .flatMap(consumer::ack)
                .then()
                .block(WAIT);
        consumer.heartbeatNow().block(WAIT);
        SubscriberHealth caughtUp = consumer.health();
        consumer.close().block(WAIT);

        assertThat(lagging.status()).isEqualTo(SubscriberHealth.Status.DEGRADED);
        assertThat(lagging.reason()).contains("lags 3 entries");
        assertThat(caughtUp.status()).isEqualTo(SubscriberHealth.Status.HEALTHY);
    }
}
