package dev.sluice.bus.redis;

import static dev.sluice.bus.redis.StoreFixture.awaitTrue;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.bus.DeadLetter;
import dev.sluice.bus.DeadLetterQuery;
import dev.sluice.bus.DeadLetterReason;
import dev.sluice.bus.EventBus;
import dev.sluice.bus.EventType;
import dev.sluice.bus.RedrivePolicy;
import dev.sluice.bus.RedriveResult;
import dev.sluice.bus.SubscriberSpec;
import dev.sluice.bus.redis.TestLetters.Order;
import dev.sluice.testsupport.RedisExtension;
import dev.sluice.testsupport.TestRedis;
import io.lettuce.core.Range;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
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
 * Redrive over a real Redis (issue 5, "Tests"): manual redrive's three endings, scheduled redrive on an injectable
 * clock, and two instances sharing one Redis, each letter redriven once, except after a lease expiry.
 */
@Tag("integration")
@ExtendWith(RedisExtension.class)
class RedisRedriveIntegrationTest {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final EventType<Order> PLACED = EventType.of("order.placed", Order.class);
    private static final Instant T0 = Instant.parse("2026-03-01T12:00:00Z");

    @TempDir
    Path journalDir;

    private TestRedis redis;
    private final List<RedisDeadLetterStore> stores = new ArrayList<>();
    private final List<EventBus> buses = new ArrayList<>();
    private final ManualClock clock = new ManualClock(T0);
    /** Orders whose handler fails; the rest succeed. */
    private final Predicate<Order>[] failing = newFailing(order -> true);

    @SuppressWarnings("unchecked")
    private static Predicate<Order>[] newFailing(Predicate<Order> initial) {
        return new Predicate[] {initial};
    }

    @BeforeEach
    void start(TestRedis redis) {
        this.redis = redis;
    }

    @AfterEach
    void stop() {
        for (EventBus bus : buses) {
            StepVerifier.create(bus.close(Duration.ofSeconds(5)))
                    .expectComplete()
                    .verify(WAIT);
        }
        for (RedisDeadLetterStore store : stores) {
            StepVerifier.create(store.closeGracefully()).expectComplete().verify(WAIT);
        }
    }

    private RedisDeadLetterStore store(String name) {
        RedisDeadLetterStore store = StoreFixture.builder(redis, redis.uri(), journalDir.resolve(name))
                .clock(clock)
                .build();
        stores.add(store);
        return store;
    }

    /** A bus whose subscriber "email" records each call as instance:orderId and fails the orders {@link #failing}. */
    private EventBus bus(String instance, RedisDeadLetterStore store, List<String> calls, RedrivePolicy redrive) {
        EventBus bus = EventBus.builder()
                .deadLetterStore(store)
                .clock(clock)
                .instance(instance)
                .build();
        SubscriberSpec.Builder<Order> spec = SubscriberSpec.builder(
                "email",
                PLACED,
                event -> Mono.defer(() -> {
                    calls.add(instance + ":" + event.payload().id());
                    return failing[0].test(event.payload())
                            ? Mono.error(new IllegalStateException(
                                    "smtp refused " + event.payload().id()))
                            : Mono.empty();
                }));
        if (redrive != null) {
            spec.redrive(redrive);
        }
        bus.subscribe(spec.build());
        buses.add(bus);
        return bus;
    }

    private static Order order(int i) {
        return new Order("o-" + i, i, "note");
    }

    private void publish(EventBus bus, int count) {
        StepVerifier.create(Flux.range(1, count).concatMap(i -> bus.publish(PLACED, order(i))))
                .expectNextCount(count)
                .expectComplete()
                .verify(WAIT);
        StepVerifier.create(bus.whenIdle()).expectComplete().verify(WAIT);
        for (RedisDeadLetterStore store : stores) { // a letter the journal took is in Redis after the replay
            StoreFixture.awaitTrue("letters in Redis", () -> store.pending() == 0, WAIT);
        }
    }

    private static long count(RedisDeadLetterStore store, boolean parked) {
        return store.count(DeadLetterQuery.of("email").withParked(parked)).block(WAIT);
    }

    @Test
    void manualRedriveDeletesOnSuccessReplacesOnFailureAndParksWhatNoLongerDeserializes() {
        RedisDeadLetterStore store = store("a");
        List<String> calls = new CopyOnWriteArrayList<>();
        EventBus bus = bus("a", store, calls, null);
        publish(bus, 3);
        DeadLetter third = store.list(DeadLetterQuery.of("email"))
                .filter(letter -> ((JsonPayload) letter.payload()).json().contains("\"o-3\""))
                .blockFirst(WAIT);
        DeadLetter foreign = TestLetters.letter("email", "foreign-1", Map.of("id", List.of(1, 2)));
        StepVerifier.create(store.write(foreign)).expectComplete().verify(WAIT);
        failing[0] = order -> order.id().equals("o-3");

        Map<RedriveResult.Status, Long> statuses = new ConcurrentHashMap<>();
        StepVerifier.create(bus.redrive(DeadLetterQuery.of("email")))
                .thenConsumeWhile(result -> {
                    statuses.merge(result.status(), 1L, Long::sum);
                    return true;
                })
                .expectComplete()
                .verify(WAIT);

        assertThat(statuses)
                .containsExactlyInAnyOrderEntriesOf(Map.of(
                        RedriveResult.Status.DELIVERED, 2L,
                        RedriveResult.Status.FAILED, 1L,
                        RedriveResult.Status.PARKED, 1L));
        DeadLetter again = store.get("email", third.letterId()).block(WAIT);
        assertThat(again.redriveCount()).isEqualTo(1);
        assertThat(again.errorMessage()).isEqualTo("smtp refused o-3");
        assertThat(again.deadLetteredAt()).isEqualTo(third.deadLetteredAt());
        assertThat(count(store, false)).isEqualTo(1);
        var parked =
                redis.connect().sync().xrange(redis.keyPrefix() + "sluice:dlq:{email}:parked", Range.create("-", "+"));
        assertThat(parked).singleElement().satisfies(entry -> {
            assertThat(entry.getBody()).containsEntry("letter_id", "foreign-1");
            assertThat(entry.getBody()).containsEntry("reason", "DESERIALIZATION_FAILED");
            assertThat(entry.getBody()).containsEntry("redrive_count", "1");
            assertThat(entry.getBody().get("payload")).isEqualTo("{\"id\":[1,2]}");
        });
        assertThat(bus.stats().get("email").deadLettered())
                .as("redrives leave the accounting alone")
                .isEqualTo(3);
    }

    @Test
    void scheduledRedriveFollowsItsDelaysOnTheBusClockThenParks() {
        RedisDeadLetterStore store = store("a");
        List<String> calls = new CopyOnWriteArrayList<>();
        RedrivePolicy policy = RedrivePolicy.custom()
                .delays(Duration.ofSeconds(1), Duration.ofSeconds(5))
                .pollInterval(Duration.ofMillis(20))
                .build();
        EventBus bus = bus("a", store, calls, policy);
        publish(bus, 1);

        clock.set(T0.plusMillis(999));
        awaitPolls(bus);
        assertThat(calls).containsExactly("a:o-1");
        clock.set(T0.plusSeconds(1));
        awaitTrue("first redrive", () -> calls.size() == 2, WAIT);
        clock.set(T0.plusMillis(5999));
        awaitPolls(bus);
        assertThat(calls).hasSize(2);
        clock.set(T0.plusSeconds(6));
        awaitCount("second redrive parks", store, true, 1);

        assertThat(calls).containsExactly("a:o-1", "a:o-1", "a:o-1");
        assertThat(count(store, false)).isZero();
        DeadLetter parked =
                store.list(DeadLetterQuery.of("email").withParked(true)).blockFirst(WAIT);
        assertThat(parked.redriveCount()).isEqualTo(2);
        assertThat(parked.reason()).isEqualTo(DeadLetterReason.PERMANENT_ERROR);
    }

    @Test
    void twoInstancesOnOneRedisRedriveEachLetterOnce() {
        List<String> calls = new CopyOnWriteArrayList<>();
        RedrivePolicy policy = RedrivePolicy.custom()
                .delays(Duration.ofSeconds(1))
                .pollInterval(Duration.ofMillis(10))
                .build();
        RedisDeadLetterStore storeA = store("a");
        EventBus a = bus("a", storeA, calls, policy);
        bus("b", store("b"), calls, policy);
        publish(a, 100);
        failing[0] = order -> false;

        clock.set(T0.plusSeconds(1));
        awaitCount("every letter redriven", storeA, false, 0);

        Map<String, AtomicInteger> redrives = new ConcurrentHashMap<>();
        calls.stream()
                .skip(100) // the first deliveries, all on a
                .forEach(call -> redrives.computeIfAbsent(call.substring(2), id -> new AtomicInteger())
                        .incrementAndGet());
        assertThat(redrives).hasSize(100);
        assertThat(redrives.values()).allSatisfy(n -> assertThat(n).hasValue(1));
    }

    @Test
    void aLetterLeasedByAnInstanceThatDiedIsRedrivenWhenTheLeaseEnds() {
        List<String> calls = new CopyOnWriteArrayList<>();
        RedrivePolicy policy = RedrivePolicy.custom()
                .delays(Duration.ZERO)
                .pollInterval(Duration.ofMillis(20))
                .build();
        RedisDeadLetterStore store = store("a");
        RedisDeadLetterStore dead = store("dead");
        EventBus bus = bus("a", store, calls, null);
        publish(bus, 1);
        DeadLetter letter = store.list(DeadLetterQuery.of("email")).blockFirst(WAIT);
        StepVerifier.create(store.replace(letter, T0)).expectComplete().verify(WAIT); // due now
        // "dead" claims it, then never finishes: its lease runs for a minute
        StepVerifier.create(dead.claimDue("email", T0, Duration.ofMinutes(1), 10))
                .expectNextCount(1)
                .expectComplete()
                .verify(WAIT);
        failing[0] = order -> false;
        EventBus survivor = bus("b", store("b"), calls, policy);

        clock.set(T0.plusSeconds(59));
        awaitPolls(survivor);
        assertThat(calls).as("the dead instance's lease still runs").containsExactly("a:o-1");
        clock.set(T0.plusSeconds(60));
        awaitTrue("picked up after the lease", () -> calls.size() == 2, WAIT);

        assertThat(calls).containsExactly("a:o-1", "b:o-1");
        awaitCount("deleted after success", store, false, 0);
    }

    /** Wait, asking the store every 20 ms without blocking, until it holds {@code expected} letters. */
    private static void awaitCount(String what, RedisDeadLetterStore store, boolean parked, long expected) {
        StepVerifier.create(Flux.interval(Duration.ZERO, Duration.ofMillis(20))
                        .onBackpressureDrop()
                        .concatMap(
                                tick -> store.count(DeadLetterQuery.of("email").withParked(parked)))
                        .filter(n -> n == expected)
                        .next())
                .as(what)
                .expectNextCount(1)
                .expectComplete()
                .verify(WAIT);
    }

    /** Let a few scheduled polls run at the current clock (they find nothing due), without sleeping the test. */
    private static void awaitPolls(EventBus bus) {
        StepVerifier.create(Flux.interval(Duration.ofMillis(100)).take(3).then())
                .expectComplete()
                .verify(WAIT);
    }

    /** A clock the test moves by hand; read by the bus (timestamps, due times, leases) and the stores. */
    static final class ManualClock extends Clock {
        private final AtomicReference<Instant> now;

        ManualClock(Instant start) {
            this.now = new AtomicReference<>(start);
        }

        void set(Instant instant) {
            now.set(instant);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now.get();
        }
    }
}
