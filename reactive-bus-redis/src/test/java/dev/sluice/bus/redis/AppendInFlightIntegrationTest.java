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
import dev.sluice.bus.PublishFailedException;
import dev.sluice.bus.redis.TransportFixture.Placed;
import dev.sluice.bus.spi.Appended;
import dev.sluice.testsupport.FaultProxy;
import dev.sluice.testsupport.RedisExtension;
import dev.sluice.testsupport.TestRedis;
import io.lettuce.core.Range;
import io.lettuce.core.api.sync.RedisCommands;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeoutException;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/**
 * More appends than the connection's request queue takes at once: they wait in the transport, in order and within
 * their publish timeout, instead of being refused by Lettuce and retried (which held their partitions back for seconds
 * after a stall, {@code DurableLatencyHarness}).
 */
@Tag("integration")
@ExtendWith(RedisExtension.class)
class AppendInFlightIntegrationTest {

    private static final EventType<Placed> TYPE = type("order.placed", 4);

    private TestRedis redis;
    private FaultProxy proxy;
    private RedisCommands<String, String> direct;

    @BeforeEach
    void startProxy(TestRedis redis) {
        this.redis = redis;
        this.proxy = FaultProxy.start(redis.host(), redis.port());
        this.direct = redis.connect().sync();
    }

    @AfterEach
    void stopProxy() {
        proxy.close();
    }

    @Test
    void appendsBeyondHalfTheRequestQueueWaitTheirTurnInOrderAndNoneIsRefused() {
        RedisStreamTransport transport = declared(
                builder(redis, redis.uriThrough(proxy)).requestQueueSize(8).publishTimeout(Duration.ofSeconds(20)),
                TYPE);
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        transport.bindTo(meters);
        try {
            List<Event<Placed>> events = IntStream.range(0, 60)
                    .mapToObj(i -> event(TYPE, "key-" + i % 5, i))
                    .toList();
            // every reply at least 20 ms away: 60 appends subscribed at once would overflow a queue of 8 at once
            proxy.latency(Duration.ofMillis(10));
            List<Mono<Appended>> appends = new ArrayList<>();
            for (Event<Placed> event : events) {
                Mono<Appended> append = transport.append(event).cache();
                append.subscribe(null, e -> {});
                appends.add(append);
            }

            StepVerifier.create(Flux.concat(appends).count())
                    .expectNext(60L)
                    .expectComplete()
                    .verify(WAIT);
            assertThat(meters.get("sluice.durable.publish.retries")
                            .functionCounter()
                            .count())
                    .as("appends refused by Lettuce and retried")
                    .isZero();
            for (int p = 0; p < 4; p++) {
                List<String> stored =
                        direct.xrange(transport.context().keys(TYPE).stream(p), Range.create("-", "+")).stream()
                                .map(entry -> entry.getBody().get("id"))
                                .toList();
                int partition = p;
                List<String> published = events.stream()
                        .filter(e -> PartitionHash.partition(e.key(), 4) == partition)
                        .map(Event::id)
                        .toList();
                assertThat(stored).as("partition %d in publish order", p).isEqualTo(published);
            }
        } finally {
            proxy.restore();
            close(transport);
        }
    }

    @Test
    void anAppendWaitingForRoomStillErrorsWithinItsOwnPublishTimeout() {
        Duration publishTimeout = Duration.ofMillis(500);
        RedisStreamTransport transport = declared(
                builder(redis, redis.uriThrough(proxy))
                        .requestQueueSize(2)
                        .commandTimeout(Duration.ofSeconds(20))
                        .publishTimeout(publishTimeout),
                TYPE);
        try {
            proxy.stall();
            // one awaits its reply (room for one of a queue of 2), four wait in the transport behind it
            List<Mono<Appended>> appends = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                Mono<Appended> append =
                        transport.append(event(TYPE, "key-" + i, i)).cache();
                append.subscribe(null, e -> {});
                appends.add(append);
            }

            for (Mono<Appended> append : appends) {
                StepVerifier.create(append)
                        .expectErrorSatisfies(e -> assertThat(e)
                                .isInstanceOf(PublishFailedException.class)
                                .hasCauseInstanceOf(TimeoutException.class))
                        // the bound: the publish timeout plus slack for a noisy machine, far below the 20 s the
                        // reply of the one sent would take
                        .verify(publishTimeout.plusSeconds(3));
            }
        } finally {
            proxy.restore();
            close(transport);
        }
    }
}
