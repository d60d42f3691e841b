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
import dev.sluice.bus.SubscriberHealth;
import dev.sluice.bus.redis.TransportFixture.Placed;
import dev.sluice.bus.spi.Appended;
import dev.sluice.testsupport.FaultProxy;
import dev.sluice.testsupport.RedisExtension;
import dev.sluice.testsupport.TestRedis;
import io.lettuce.core.Range;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.api.reactive.RedisReactiveCommands;
import io.lettuce.core.api.sync.RedisCommands;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
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
 * Publishing durable events while Redis is cut off or slow, through the fault proxy: bounded retries that keep each
 * partition's order, the publish timeout, appendAll's stop at a partition's first error, the one duplicate case, and
 * more appends than the connection's request queue takes at once: they wait in the transport, in order and within
 * their publish timeout, instead of being refused by Lettuce and retried (which held their partitions back for seconds
 * after a stall, {@code DurableLatencyHarness}).
 */
@Tag("integration")
@ExtendWith(RedisExtension.class)
class DurablePublishOutageIntegrationTest {

    private static final EventType<Placed> TYPE = type("order.placed", 4);

    private TestRedis redis;
    private FaultProxy proxy;
    private RedisCommands<String, String> direct;
    private RedisReactiveCommands<String, String> reactive;

    @BeforeEach
    void startProxy(TestRedis redis) {
        this.redis = redis;
        this.proxy = FaultProxy.start(redis.host(), redis.port());
        this.direct = redis.connect().sync();
        this.reactive = redis.connect().reactive();
    }

    @AfterEach
    void stopProxy() {
        proxy.close();
    }

    @Test
    void appendsHeldBehindARetryKeepTheirOrderAndAllLandOnceRedisIsBack() {
        RedisStreamTransport transport =
                declared(builder(redis, redis.uriThrough(proxy)).publishTimeout(Duration.ofSeconds(20)), TYPE);
        try {
            List<Event<Placed>> events = IntStream.range(0, 50)
                    .mapToObj(i -> event(TYPE, "customer-1", i))
                    .toList();
            List<Appended> receipts = new CopyOnWriteArrayList<>();
            proxy.cut();

            // subscribed one after the other, none waiting for the one before: a publisher firing 50 events of a key
            List<Mono<Appended>> appends = new ArrayList<>();
            for (Event<Placed> event : events) {
                appends.add(transport.append(event).doOnNext(receipts::add).cache());
                appends.get(appends.size() - 1).subscribe(null, e -> {});
            }
            StoreFixture.awaitTrue(
                    "health reports the outage",
                    () -> transport.health().status() == SubscriberHealth.Status.DEGRADED,
                    WAIT);
            proxy.restore();

            StepVerifier.create(Flux.concat(appends).then()).expectComplete().verify(WAIT);
            assertThat(receipts).hasSize(50);
            int partition = PartitionHash.partition("customer-1", 4);
            List<String> stored =
                    direct.xrange(transport.context().keys(TYPE).stream(partition), Range.create("-", "+")).stream()
                            .map(entry -> entry.getBody().get("id"))
                            .toList();
            assertThat(stored).isEqualTo(events.stream().map(Event::id).toList());
            StoreFixture.awaitTrue(
                    "health recovers", () -> transport.health().equals(SubscriberHealth.healthy()), WAIT);
        } finally {
            close(transport);
        }
    }

    @Test
    void anAppendRedisCannotTakeErrorsWithinThePublishTimeoutNamingTypeAndPartition() {
        Duration publishTimeout = Duration.ofMillis(800);
        RedisStreamTransport transport = declared(
                builder(redis, redis.uriThrough(proxy))
                        .commandTimeout(Duration.ofMillis(300))
                        .publishTimeout(publishTimeout),
                TYPE);
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        transport.bindTo(meters);
        try {
            proxy.cut();
            Event<Placed> event = event(TYPE, "customer-2", 1);

            StepVerifier.create(transport.append(event))
                    .expectErrorSatisfies(e -> {
                        assertThat(e).isInstanceOf(PublishFailedException.class);
                        PublishFailedException failed = (PublishFailedException) e;
                        assertThat(failed.eventType()).isEqualTo("order.placed");
                        assertThat(failed.partition()).isEqualTo(PartitionHash.partition("customer-2", 4));
                        assertThat(failed.getMessage()).contains("'order.placed'", "partition " + failed.partition());
                        assertThat(failed.getCause()).isNotNull();
                    })
                    // the bound: the publish timeout, plus slack for a noisy machine
                    .verify(publishTimeout.plusSeconds(2));

            assertThat(meters.get("sluice.durable.publish.failures")
                            .functionCounter()
                            .count())
                    .isEqualTo(1.0);
            assertThat(meters.get("sluice.durable.publish.retries")
                            .functionCounter()
                            .count())
                    .isPositive();
        } finally {
            close(transport);
        }
    }

    @Test
    void anAppendHeldBehindARetryStillErrorsWithinItsOwnTimeout() {
        Duration publishTimeout = Duration.ofMillis(600);
        RedisStreamTransport transport = declared(
                builder(redis, redis.uriThrough(proxy))
                        .commandTimeout(Duration.ofMillis(300))
                        .publishTimeout(publishTimeout),
                TYPE);
        try {
            proxy.cut();
            Mono<Appended> first =
                    transport.append(event(TYPE, "customer-3", 1)).cache();
            first.subscribe(null, e -> {});

            StepVerifier.create(transport.append(event(TYPE, "customer-3", 2)))
                    .expectErrorSatisfies(e -> assertThat(e)
                            .isInstanceOf(PublishFailedException.class)
                            .hasMessageContaining("partition " + PartitionHash.partition("customer-3", 4)))
                    .verify(publishTimeout.plusSeconds(2));
            StepVerifier.create(first).expectError(PublishFailedException.class).verify(WAIT);
        } finally {
            close(transport);
        }
    }

    @Test
    void appendAllStopsAtThePartitionsFirstErrorAndSendsNothingLater() {
        RedisStreamTransport transport = declared(
                builder(redis, redis.uriThrough(proxy))
                        .commandTimeout(Duration.ofMillis(300))
                        .publishTimeout(Duration.ofMillis(700)),
                TYPE);
        try {
            proxy.cut();
            List<Event<Placed>> events = IntStream.range(0, 200)
                    .mapToObj(i -> event(TYPE, "key-" + i % 9, i))
                    .toList();

            StepVerifier.create(transport.appendAll(Flux.fromIterable(events)))
                    .expectError(PublishFailedException.class)
                    .verify(WAIT);
            proxy.restore();

            // appends still held or backing off when the Flux failed are never sent; the connection is FIFO, so once a
            // later append is acknowledged every earlier command was answered
            Appended after = transport.append(event(TYPE, "key-0", 999)).block(WAIT);
            long stored = 0;
            for (int p = 0; p < 4; p++) {
                stored += direct.xlen(transport.context().keys(TYPE).stream(p));
            }
            assertThat(after).isNotNull();
            assertThat(stored).isEqualTo(1);
        } finally {
            close(transport);
        }
    }

    @Test
    void aPartitionThatRefusesStopsAppendAllAtItsFirstEvent() {
        RedisStreamTransport transport = declared(builder(redis, redis.uri()), TYPE);
        try {
            // a wrong key type is not transient: the append fails at once, without retries
            int broken = PartitionHash.partition("key-broken", 4);
            String brokenStream = transport.context().keys(TYPE).stream(broken);
            direct.set(brokenStream, "not a stream");
            String healthyKey = IntStream.range(0, 100)
                    .mapToObj(i -> "key-" + i)
                    .filter(k -> PartitionHash.partition(k, 4) != broken)
                    .findFirst()
                    .orElseThrow();
            Event<Placed> before = event(TYPE, healthyKey, 1);
            List<Event<Placed>> events = List.of(
                    before, event(TYPE, "key-broken", 2), event(TYPE, "key-broken", 3), event(TYPE, healthyKey, 4));
            List<Appended> receipts = new ArrayList<>();

            StepVerifier.create(transport.appendAll(Flux.fromIterable(events)).doOnNext(receipts::add))
                    .expectNextCount(1)
                    .expectErrorSatisfies(e -> {
                        assertThat(e).isInstanceOf(PublishFailedException.class);
                        assertThat(((PublishFailedException) e).partition()).isEqualTo(broken);
                        assertThat(e.getCause()).hasMessageContaining("WRONGTYPE");
                    })
                    .verify(WAIT);

            assertThat(receipts).extracting(Appended::eventId).containsExactly(before.id());
            assertThat(direct.type(brokenStream)).isEqualTo("string");
        } finally {
            close(transport);
        }
    }

    @Test
    void aRetryAfterATimeoutWhoseFirstXaddHadLandedStoresTheEventTwiceAndIsCounted() {
        Duration commandTimeout = Duration.ofMillis(300);
        RedisStreamTransport transport = declared(
                builder(redis, redis.uriThrough(proxy))
                        .commandTimeout(commandTimeout)
                        .publishTimeout(Duration.ofSeconds(20)),
                TYPE);
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        transport.bindTo(meters);
        try {
            Event<Placed> event = event(TYPE, "customer-4", 1);
            String stream = transport.context().keys(TYPE).stream(PartitionHash.partition("customer-4", 4));
            // each way slower than the command timeout: the XADD lands, its reply comes too late, the retry lands too
            proxy.latency(commandTimeout.plusMillis(200));
            Mono<Appended> append = transport.append(event).cache();
            append.subscribe(null, e -> {});
            // polled without blocking (the poll runs on a Reactor thread)
            StepVerifier.create(Flux.interval(Duration.ofMillis(20))
                            .onBackpressureDrop()
                            .concatMap(tick -> reactive.xlen(stream))
                            .filter(length -> length >= 2)
                            .next())
                    .as("the retry landed as well")
                    .expectNextCount(1)
                    .expectComplete()
                    .verify(WAIT);
            proxy.restore();

            StepVerifier.create(append)
                    .assertNext(appended -> assertThat(appended.eventId()).isEqualTo(event.id()))
                    .expectComplete()
                    .verify(WAIT);
            List<StreamMessage<String, String>> stored = direct.xrange(stream, Range.create("-", "+"));
            long copies = stored.stream()
                    .filter(entry -> entry.getBody().get("id").equals(event.id()))
                    .count();
            double counted = meters.get("sluice.durable.publish.possible.duplicates")
                    .functionCounter()
                    .count();
            assertThat(copies).isGreaterThanOrEqualTo(2);
            // every extra copy is one counted possible duplicate (some counted retries may not have landed)
            assertThat(counted).isGreaterThanOrEqualTo(copies - 1);
            assertThat(stored).allMatch(entry -> entry.getBody().get("id").equals(event.id()));
        } finally {
            close(transport);
        }
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
