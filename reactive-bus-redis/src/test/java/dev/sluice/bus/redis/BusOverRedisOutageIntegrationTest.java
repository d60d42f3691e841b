package dev.sluice.bus.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.bus.EventBus;
import dev.sluice.bus.EventType;
import dev.sluice.bus.SubscriberHandle;
import dev.sluice.bus.SubscriberHealth;
import dev.sluice.bus.SubscriberSpec;
import dev.sluice.bus.SubscriberStats;
import dev.sluice.bus.redis.TestLetters.Order;
import dev.sluice.testsupport.FaultProxy;
import dev.sluice.testsupport.RedisExtension;
import dev.sluice.testsupport.TestRedis;
import io.lettuce.core.Range;
import io.lettuce.core.StreamMessage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/**
 * The bus over the Redis store while Redis goes away (docs/DESIGN.md promises 1, 8 and 9): every dead letter is in
 * Redis exactly once afterwards and the counts match the bus's accounting; when Redis and the journal both refuse, the
 * subscriber holds its events with backpressure instead of losing them.
 */
@Tag("integration")
@ExtendWith(RedisExtension.class)
class BusOverRedisOutageIntegrationTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final EventType<Order> PLACED = EventType.of("order.placed", Order.class);

    @TempDir
    Path journalDir;

    private TestRedis redis;
    private FaultProxy proxy;

    @BeforeEach
    void startProxy(TestRedis redis) {
        this.redis = redis;
        this.proxy = FaultProxy.start(redis.host(), redis.port());
    }

    @AfterEach
    void stopProxy() {
        proxy.close();
    }

    private static SubscriberSpec<Order> failingEmail() {
        return SubscriberSpec.builder("email", PLACED, event -> Mono.error(new IllegalStateException("smtp down")))
                .concurrency(8)
                .build();
    }

    @Test
    void redisCutMidRunEveryLetterLandsOnceAndMatchesTheAccounting() {
        publishThroughAFault(2_000, 300, proxy::cut, 1_200);
    }

    @Test
    void stalledConnectionMidRunEveryLetterLandsOnce() {
        // no reply and no close: writes time out into the journal while Redis may still run them once the stall lifts
        publishThroughAFault(600, 100, proxy::stall, 400);
    }

    /**
     * Publish {@code events} failing events; start {@code fault} after {@code faultAt} receipts and restore the proxy
     * after {@code restoreAt}; then every event must be one letter in Redis, matching the bus's accounting.
     */
    private void publishThroughAFault(int events, int faultAt, Runnable fault, int restoreAt) {
        RedisDeadLetterStore store = StoreFixture.builder(redis, redis.uriThrough(proxy), journalDir)
                .commandTimeout(Duration.ofMillis(300))
                .build();
        EventBus bus = EventBus.builder().deadLetterStore(store).build();
        SubscriberHandle email = bus.subscribe(failingEmail());
        AtomicInteger receipts = new AtomicInteger();

        StepVerifier.create(bus.publishAll(PLACED, Flux.range(0, events).map(i -> new Order("o-" + i, i, "")))
                        .doOnNext(receipt -> {
                            int n = receipts.incrementAndGet();
                            if (n == faultAt) {
                                fault.run();
                            } else if (n == restoreAt) {
                                proxy.restore();
                            }
                        })
                        .then(bus.whenIdle()))
                .expectComplete()
                .verify(WAIT);
        StoreFixture.awaitTrue("journal replayed", () -> store.pending() == 0, WAIT);

        SubscriberStats stats = email.stats();
        StepVerifier.create(bus.close(Duration.ofSeconds(5)).then(store.closeGracefully()))
                .expectComplete()
                .verify(WAIT);
        assertThat(stats).isEqualTo(new SubscriberStats(events, 0, 0, events, 0, 0));
        List<StreamMessage<String, String>> entries = entries("email");
        assertThat(entries).hasSize(events);
        assertThat(entries.stream().map(e -> e.getBody().get("letter_id"))).doesNotHaveDuplicates();
        assertThat(entries.stream().map(e -> e.getBody().get("event_id"))).doesNotHaveDuplicates();
    }

    @Test
    void whenRedisAndTheJournalBothRefuseTheBusHoldsEventsUntilRedisIsBack() throws Exception {
        Path notADirectory = Files.createFile(journalDir.resolve("file"));
        RedisDeadLetterStore store = StoreFixture.builder(redis, redis.uriThrough(proxy), journalDir)
                .commandTimeout(Duration.ofMillis(300))
                .journalPath(notADirectory.resolve("dead-letters.journal"))
                .build();
        EventBus bus = EventBus.builder().deadLetterStore(store).build();
        SubscriberHandle email = bus.subscribe(failingEmail());
        proxy.cut();

        StepVerifier.create(Flux.range(0, 20).concatMap(i -> bus.publish(PLACED, new Order("o-" + i, i, ""))))
                .expectNextCount(20)
                .expectComplete()
                .verify(WAIT);
        StoreFixture.awaitTrue(
                "subscriber unhealthy, holding its events",
                () -> email.health().status() == SubscriberHealth.Status.UNHEALTHY,
                WAIT);
        assertThat(email.stats().inFlight()).isEqualTo(20);
        assertThat(email.stats().deadLettered()).isZero();
        proxy.restore();

        StepVerifier.create(bus.whenIdle()).expectComplete().verify(WAIT);
        StepVerifier.create(bus.close(Duration.ofSeconds(5)).then(store.closeGracefully()))
                .expectComplete()
                .verify(WAIT);
        assertThat(email.stats()).isEqualTo(new SubscriberStats(20, 0, 0, 20, 0, 0));
        assertThat(entries("email")).hasSize(20);
    }

    private List<StreamMessage<String, String>> entries(String subscriber) {
        return redis.connect()
                .sync()
                .xrange(redis.keyPrefix() + "sluice:dlq:{" + subscriber + "}", Range.create("-", "+"));
    }
}
