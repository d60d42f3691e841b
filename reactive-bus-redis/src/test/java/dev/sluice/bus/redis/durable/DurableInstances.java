package dev.sluice.bus.redis.durable;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.bus.Durability;
import dev.sluice.bus.Event;
import dev.sluice.bus.EventBus;
import dev.sluice.bus.EventType;
import dev.sluice.bus.StartPosition;
import dev.sluice.bus.SubscriberHandle;
import dev.sluice.bus.SubscriberSpec;
import dev.sluice.bus.SubscriberStats;
import dev.sluice.bus.redis.RedisStreamTransport;
import dev.sluice.bus.redis.StreamAudit;
import dev.sluice.policy.ResiliencePolicy;
import dev.sluice.testsupport.TestRedis;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Instances of one durable subscriber on one Redis, in this JVM: each an {@link EventBus} over a {@link
 * RedisStreamTransport} of its own (its own client, client resources and instance id), as separate processes would
 * be. Every test names its type and subscriber uniquely ({@code name}), under its own key prefix, so nothing a
 * previous test left behind can touch it. The subscriber handles {@link Step}s ordered by key, several at once, each
 * taking a millisecond or two, and records every handling in one {@link OrderChecker}. Ownership is read from Redis
 * itself: the partition leases, {@code <instance>:<generation>}.
 */
final class DurableInstances implements AutoCloseable {

    /** The bound of every wait. */
    static final Duration WAIT = Duration.ofSeconds(60);

    static final int PARTITIONS = 16;

    /** One event of a key: the {@code seq}-th, from 0. */
    record Step(String key, long seq) {}

    /** One instance: its transport, its bus, its subscriber. */
    record Instance(String id, RedisStreamTransport transport, EventBus bus, SubscriberHandle handle) {}

    private final TestRedis redis;
    private final String type;
    private final String subscriber;
    private final EventType<Step> eventType;
    private final UnaryOperator<RedisStreamTransport.Builder> settings;
    private final OrderChecker checker = new OrderChecker();
    private final RedisCommands<String, String> sync;
    private final Map<String, Instance> open = new LinkedHashMap<>();
    private final List<Instance> started = new ArrayList<>();
    private final Map<String, Long> published = new TreeMap<>();

    /**
     * @param name unique per test: the type is {@code <name>.type}, the subscriber {@code <name>}
     * @param settings the transport settings every instance shares (lease, heartbeat)
     */
    DurableInstances(TestRedis redis, String name, UnaryOperator<RedisStreamTransport.Builder> settings) {
        this.redis = redis;
        this.type = name + ".type";
        this.subscriber = name;
        this.eventType = EventType.of(type, Step.class).withKey(Step::key).durable(new Durability(PARTITIONS, 1));
        this.settings = settings;
        this.sync = redis.connect().sync();
    }

    OrderChecker checker() {
        return checker;
    }

    /** Start instance {@code id}: its transport, its bus with the type registered and declared, its subscriber. */
    Instance start(String id) {
        RedisStreamTransport transport = settings.apply(RedisStreamTransport.builder(redis.uri())
                        .keyPrefix(redis.keyPrefix() + "sluice")
                        .instanceId(id)
                        // generous: these machines are shared and noisy
                        .commandTimeout(Duration.ofSeconds(5))
                        .publishTimeout(Duration.ofSeconds(20)))
                .build();
        EventBus bus = EventBus.builder().transport(transport).build();
        bus.register(eventType);
        bus.ready().block(WAIT);
        SubscriberHandle handle =
                bus.subscribe(SubscriberSpec.builder(subscriber, eventType, event -> handle(id, event))
                        .policy(ResiliencePolicy.builder(subscriber)
                                .timeout(Duration.ofSeconds(5))
                                .build())
                        .orderedByKey(true)
                        .concurrency(8)
                        .inboxSize(64)
                        .startFrom(StartPosition.OLDEST)
                        .build());
        Instance instance = new Instance(id, transport, bus, handle);
        open.put(id, instance);
        started.add(instance);
        return instance;
    }

    private Publisher<?> handle(String id, Event<Step> event) {
        Step step = event.payload();
        return Mono.defer(() -> {
            OrderChecker.Started started = checker.start(id, step.key(), step.seq());
            Duration work = Duration.ofNanos(ThreadLocalRandom.current().nextLong(500_000, 2_500_000));
            // the end is recorded before completion goes downstream, where the next event of the key may start
            return Mono.delay(work).then(Mono.fromRunnable(started::end));
        });
    }

    /** Close instance {@code id} cleanly: its bus (in-flight handlers finish, leases released), then its transport. */
    void stop(String id) {
        Instance instance = open.remove(id);
        if (instance != null) {
            instance.bus()
                    .close(Duration.ofSeconds(10))
                    .then(instance.transport().close())
                    .block(WAIT);
        }
    }

    /**
     * Publish, through {@code via}, {@code rounds} rounds of one event for each of {@code keys} keys ({@code k-0} …),
     * each round after the last one's receipts: every key's events reach the streams in sequence order.
     *
     * @return a {@code Mono} that completes once every receipt came
     */
    Mono<Void> publish(Instance via, int keys, int rounds) {
        return Flux.range(0, rounds)
                .concatMap(round ->
                        via.bus().publishAll(eventType, Flux.range(0, keys).map(k -> next("k-" + k))))
                .then();
    }

    private synchronized Step next(String key) {
        long seq = published.getOrDefault(key, 0L);
        published.put(key, seq + 1);
        return new Step(key, seq);
    }

    /** Return how many events each key has had published: key → count. */
    synchronized Map<String, Long> published() {
        return new TreeMap<>(published);
    }

    /** Return how many events were published in all. */
    synchronized long publishedCount() {
        return published.values().stream().mapToLong(Long::longValue).sum();
    }

    /** Return the live partition leases of the subscriber's group by holder: instance → partitions it owns in Redis. */
    Map<String, List<Integer>> owners() {
        Map<String, List<Integer>> owners = new TreeMap<>();
        for (int p = 0; p < PARTITIONS; p++) {
            String lease = sync.get(redis.keyPrefix() + "sluice:ev:{" + type + ":" + p + "}:lease:" + subscriber);
            if (lease != null) {
                String holder = lease.substring(0, lease.lastIndexOf(':'));
                owners.computeIfAbsent(holder, h -> new ArrayList<>()).add(p);
            }
        }
        return owners;
    }

    /** Return the shares {@code owners()} shows: instance → how many partitions it owns. */
    Map<String, Integer> shares() {
        Map<String, Integer> shares = new TreeMap<>();
        owners().forEach((holder, partitions) -> shares.put(holder, partitions.size()));
        return shares;
    }

    /** Wait until the leases in Redis show exactly {@code expected} (instance → partitions owned); fail if not. */
    void awaitShares(Map<String, Integer> expected) {
        awaitShares(expected, WAIT);
    }

    /** Wait at most {@code bound} until the leases in Redis show exactly {@code expected}; fail if not. */
    void awaitShares(Map<String, Integer> expected, Duration bound) {
        await("shares " + expected, this::shares, expected::equals, bound);
    }

    /** Return the subscriber's audit now. */
    StreamAudit.Group audit() {
        Instance any = open.values().iterator().next();
        return any.transport().audit(eventType).block(WAIT).groups().get(subscriber);
    }

    /**
     * Wait until every event published was handled and the audit is quiescent (acknowledged = published, nothing
     * pending, nothing undelivered); fail with what was left if not.
     */
    StreamAudit.Group awaitQuiescence() {
        await("every event handled", () -> checker.unhandled(published()), List::isEmpty);
        return await(
                "the audit quiescent",
                this::audit,
                group -> group.acked() == publishedCount() && group.pending() == 0 && group.undelivered() == 0);
    }

    /**
     * Check, at quiescence, what every test of shared work checks: order by the definition; every event
     * handled; each instance's accounting balanced (promise 1), nothing in flight; the instances' deliveries adding up
     * to what was published (so each was delivered once); and every entry an instance handed back unacknowledged
     * (released) claimed again by a later owner ({@code redelivered}).
     */
    void assertOrderedAndAccounted(StreamAudit.Group audit) {
        assertThat(checker.overtakings()).as("order by key").isEmpty();
        assertThat(checker.unhandled(published())).as("events never handled").isEmpty();
        long delivered = 0;
        long released = 0;
        for (Instance instance : started) {
            SubscriberStats stats = instance.handle().stats();
            assertThat(stats.balanced()).as(instance.id() + " " + stats).isTrue();
            assertThat(stats.inFlight()).as(instance.id() + " in flight").isZero();
            delivered += stats.delivered();
            released += stats.released();
        }
        assertThat(delivered).as("deliveries of all instances").isEqualTo(publishedCount());
        // a consumer also gives back, uncounted by the bus, what a failed read had delivered
        assertThat(audit.redelivered())
                .as("entries claimed again >= entries released")
                .isGreaterThanOrEqualTo(released);
    }

    /** Poll {@code probe} every 50 ms until {@code done} accepts its value, at most {@link #WAIT}. */
    static <V> V await(String what, Supplier<V> probe, Predicate<V> done) {
        return await(what, probe, done, WAIT);
    }

    /** Poll {@code probe} every 50 ms until {@code done} accepts its value, at most {@code bound}. */
    static <V> V await(String what, Supplier<V> probe, Predicate<V> done, Duration bound) {
        AtomicReference<@Nullable V> last = new AtomicReference<>();
        AtomicLong polls = new AtomicLong();
        V reached = Flux.interval(Duration.ZERO, Duration.ofMillis(50))
                .onBackpressureDrop()
                // the probes block (Redis commands): off the timer's thread
                .concatMap(tick -> Mono.fromSupplier(probe)
                        .subscribeOn(Schedulers.boundedElastic())
                        .doOnNext(v -> {
                            last.set(v);
                            polls.incrementAndGet();
                        }))
                .filter(done)
                .next()
                .timeout(bound, Mono.empty())
                .block();
        if (reached == null) {
            throw new AssertionError("not reached within " + bound + ": " + what + "; last seen " + last.get()
                    + " after " + polls.get() + " polls");
        }
        return reached;
    }

    /** Close every instance still open, in reverse order of start. */
    @Override
    public void close() {
        List<String> ids = new ArrayList<>(open.keySet());
        Collections.reverse(ids);
        ids.forEach(this::stop);
    }
}
