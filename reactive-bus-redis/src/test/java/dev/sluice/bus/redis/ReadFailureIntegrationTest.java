package dev.sluice.bus.redis;

import static dev.sluice.bus.redis.ConsumerFixture.WAIT;
import static dev.sluice.bus.redis.ConsumerFixture.readAtLeast;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.bus.EventType;
import dev.sluice.bus.StartPosition;
import dev.sluice.bus.spi.ConsumerSpec;
import dev.sluice.bus.spi.Received;
import dev.sluice.testsupport.RedisExtension;
import dev.sluice.testsupport.TestRedis;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.cluster.api.reactive.RedisClusterReactiveCommands;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * A read whose reply fails half-way, after Redis delivered its entries to this instance (here: the second entry fails
 * once while the reply is turned into entries, as a reply cut off by the network or a client-side error would). Those
 * entries are pending for this instance in Redis, and the bus never saw them: they must be handled anyway, in stream
 * order, and the partition must not stay pinned to this instance by entries counted in flight.
 */
@Tag("integration")
@ExtendWith(RedisExtension.class)
class ReadFailureIntegrationTest {

    private final List<StreamConsumer<String>> consumers = new ArrayList<>();

    @AfterEach
    void closeConsumers() {
        Flux.fromIterable(consumers).concatMap(StreamConsumer::close).then().block(WAIT);
    }

    @Test
    void entriesOfAReadThatFailedHalfWayAreClaimedAgainInStreamOrder(TestRedis redis) {
        // regression: they stayed pending for good, and their partition could never be released (its entries decoded
        // before the failure counted in flight), so a joining instance got no share of it
        ConsumerFixture f = new ConsumerFixture(redis, 1);
        FailingOnce context = new FailingOnce(new ConsumerTestContext(redis, "a"), "e1");
        StreamConsumer<String> consumer = new StreamConsumer<>(
                context, new ConsumerSpec<>("ledger", f.type(), StartPosition.OLDEST, Duration.ofMillis(300)));
        consumers.add(consumer);
        consumer.read(1).block(WAIT); // joins and claims partition 0
        List<String> appended = List.of(f.append(0, "e0"), f.append(0, "e1"), f.append(0, "e2"));

        assertThatThrownBy(() -> readAtLeast(consumer, 10, 3)).hasMessageContaining("reply failed half-way");
        List<Received<String>> again = readAtLeast(consumer, 10, 3);

        assertThat(context.failed).isTrue();
        assertThat(again).extracting(Received::entryId).containsExactlyElementsOf(appended);
        assertThat(again)
                .as("a clean handover: no delivery failure counted")
                .allSatisfy(r -> assertThat(r.deliveryFailures()).isZero());
        assertThat(consumer.stats().released())
                .as("the entry decoded before the failure")
                .isEqualTo(1);
        Flux.fromIterable(again).concatMap(consumer::ack).then().block(WAIT);
        assertThat(f.sync().xpending(f.keys().stream(0), "ledger").getCount()).isZero();
        assertThat(f.sync().hget(f.keys().audit(0), "acked:ledger")).isEqualTo("3");
    }

    /** A context whose decoding throws once, on the entry with {@code payload}, as a reply failing there would. */
    private static final class FailingOnce implements StreamContext {
        private final StreamContext delegate;
        private final String payload;
        private final AtomicBoolean failing = new AtomicBoolean(true);
        volatile boolean failed;

        FailingOnce(StreamContext delegate, String payload) {
            this.delegate = delegate;
            this.payload = payload;
        }

        @Override
        public <T> Decoded<T> decode(EventType<T> type, int partition, StreamMessage<String, String> entry) {
            if (payload.equals(entry.getBody().get("payload")) && failing.compareAndSet(true, false)) {
                failed = true;
                throw new IllegalStateException("reply failed half-way, at " + entry.getId());
            }
            return delegate.decode(type, partition, entry);
        }

        @Override
        public String instanceId() {
            return delegate.instanceId();
        }

        @Override
        public StreamKeys keys(EventType<?> type) {
            return delegate.keys(type);
        }

        @Override
        public Mono<RedisClusterReactiveCommands<String, String>> commands() {
            return delegate.commands();
        }

        @Override
        public Mono<ReadConnection> openReadConnection() {
            return delegate.openReadConnection();
        }

        @Override
        public Settings settings() {
            return delegate.settings();
        }

        @Override
        public Scheduler timers() {
            return delegate.timers();
        }
    }
}
