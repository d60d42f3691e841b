package dev.sluice.bus.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.bus.BusClosedException;
import dev.sluice.bus.DeadLetterQuery;
import dev.sluice.bus.DeadLetterReason;
import dev.sluice.bus.EventBus;
import dev.sluice.bus.EventType;
import dev.sluice.bus.PublishReceipt;
import dev.sluice.bus.SubscriberHandle;
import dev.sluice.bus.SubscriberSpec;
import dev.sluice.bus.SubscriberStats;
import dev.sluice.bus.redis.TestLetters.Order;
import dev.sluice.testsupport.RedisExtension;
import dev.sluice.testsupport.TestRedis;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/**
 * docs/DESIGN.md promise 7 under load (issue 8, "Shutdown under load"): {@code close()} while 8 threads publish as fast
 * as they can. Every event a subscriber accepted has an outcome (the unfinished ones as {@code SHUTDOWN} letters in
 * Redis), nothing is in flight, and the store leaves no Redis connection and no thread of its own behind.
 */
@Tag("integration")
@ExtendWith(RedisExtension.class)
class ShutdownUnderLoadIntegrationTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final EventType<Order> PLACED = EventType.of("order.placed", Order.class);
    private static final int PUBLISHERS = 8;

    @TempDir
    Path journalDir;

    @Test
    void closeWhileEightThreadsPublishAccountsForEveryAcceptedEvent(TestRedis redis) throws Exception {
        long clientsBefore = clients(redis);
        // regression: comparing every lettuce-* thread of the JVM also counted the shared test client's threads, which
        // start lazily; the store's own threads carry a prefix of their own
        Set<String> threadsBefore = storeThreads();
        RedisDeadLetterStore store = RedisDeadLetterStore.builder(redis.uri())
                .keyPrefix(redis.keyPrefix() + "sluice")
                .journalPath(journalDir.resolve("dead-letters.journal"))
                .commandTimeout(Duration.ofSeconds(3))
                .build();
        EventBus bus = EventBus.builder().deadLetterStore(store).build();
        // slow enough that inboxes are full when close() comes: many events end as SHUTDOWN letters
        SubscriberHandle slow = bus.subscribe(SubscriberSpec.builder(
                        "slow", PLACED, e -> Mono.delay(Duration.ofMillis(20)).then())
                .concurrency(4)
                .inboxSize(256)
                .build());
        SubscriberHandle fast = bus.subscribe(
                SubscriberSpec.builder("fast", PLACED, e -> Mono.empty()).build());
        Receipts receipts = new Receipts();
        CountDownLatch stopped = new CountDownLatch(PUBLISHERS);
        List<Thread> publishers = new ArrayList<>();
        for (int t = 0; t < PUBLISHERS; t++) {
            int thread = t;
            Thread publisher = new Thread(
                    () -> {
                        // at most 64 publishes in flight per thread: full speed, within the bus's backpressure
                        Semaphore inFlight = new Semaphore(64);
                        try {
                            for (int i = 0; receipts.closed.get() == null; i++) {
                                inFlight.acquireUninterruptibly();
                                bus.publish(PLACED, new Order("o-" + thread + "-" + i, i, ""))
                                        .doFinally(signal -> inFlight.release())
                                        .subscribe(receipts);
                            }
                        } finally {
                            stopped.countDown();
                        }
                    },
                    "publisher-" + t);
            publisher.start();
            publishers.add(publisher);
        }
        StepVerifier.create(Mono.delay(Duration.ofMillis(500)))
                .expectNextCount(1)
                .expectComplete()
                .verify(WAIT);
        assertThat(storeThreads())
                .as("the store runs on threads of its own")
                .anyMatch(name -> !threadsBefore.contains(name));

        StepVerifier.create(bus.close(Duration.ofMillis(200))).expectComplete().verify(WAIT);
        assertThat(stopped.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
        StepVerifier.create(store.closeGracefully()).expectComplete().verify(WAIT);
        assertThat(storeThreads())
                .as("closeGracefully completes only after the store's threads ended")
                .isSubsetOf(threadsBefore);

        assertThat(receipts.closed.get()).isInstanceOf(BusClosedException.class);
        for (SubscriberHandle handle : List.of(slow, fast)) {
            SubscriberStats stats = handle.stats();
            assertThat(stats.inFlight()).as(handle.name()).isZero();
            assertThat(stats.balanced()).as(handle.name() + " " + stats).isTrue();
        }
        long offered = slow.stats().offered() + fast.stats().offered();
        StoreFixture.awaitTrue(
                "every receipt counts what the subscribers were offered",
                () -> receipts.delivered.get() + receipts.overflowed.get() == offered,
                WAIT);
        assertThat(slow.stats().deadLettered())
                .as("the test must reach shutdown with work left")
                .isPositive();
        // a burst of letters beyond the store's request queue went to the journal (durable, not yet in Redis): a store
        // started on the same journal replays them, as the next start of the application would
        RedisDeadLetterStore reader = StoreFixture.store(redis, journalDir);
        try {
            StoreFixture.awaitTrue(
                    "journal replayed",
                    () -> reader.pending() == 0 && journalFiles().isEmpty(),
                    WAIT);
            StepVerifier.create(reader.count(DeadLetterQuery.of("slow")))
                    .expectNext(slow.stats().deadLettered())
                    .expectComplete()
                    .verify(WAIT);
            StepVerifier.create(reader.count(DeadLetterQuery.of("slow").withReason(DeadLetterReason.SHUTDOWN)))
                    .assertNext(n -> assertThat(n).isPositive())
                    .expectComplete()
                    .verify(WAIT);
        } finally {
            reader.close();
        }
        try (var connection = redis.client().connect()) {
            // this connection is one more client than before
            StepVerifier.create(Flux.interval(Duration.ZERO, Duration.ofMillis(20))
                            .onBackpressureDrop()
                            .concatMap(tick -> connection.reactive().clientList())
                            .filter(list -> list.lines().count() - 1 <= clientsBefore)
                            .next())
                    .as("the store's Redis connection closed")
                    .expectNextCount(1)
                    .expectComplete()
                    .verify(WAIT);
        }
        for (Thread publisher : publishers) {
            publisher.join(WAIT.toMillis());
        }
    }

    private List<Path> journalFiles() {
        try (var files = java.nio.file.Files.list(journalDir)) {
            return files.filter(f -> f.getFileName().toString().startsWith("dead-letters.journal"))
                    .toList();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static long clients(TestRedis redis) {
        try (var connection = redis.client().connect()) {
            // this connection is one of them
            return connection.sync().clientList().lines().count() - 1;
        }
    }

    /** Names of the live threads of the client resources that stores created for themselves. */
    private static Set<String> storeThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(Thread::isAlive)
                .map(Thread::getName)
                .filter(name -> name.startsWith(OwnedResources.THREAD_PREFIX))
                .collect(Collectors.toSet());
    }

    /** Counts what every publish's receipt says, and the first publish refused because the bus closed. */
    static final class Receipts implements CoreSubscriber<PublishReceipt> {
        final AtomicLong delivered = new AtomicLong();
        final AtomicLong overflowed = new AtomicLong();
        final AtomicReference<Throwable> closed = new AtomicReference<>();

        @Override
        public void onSubscribe(Subscription s) {
            s.request(1);
        }

        @Override
        public void onNext(PublishReceipt receipt) {
            delivered.addAndGet(receipt.delivered());
            overflowed.addAndGet(receipt.overflowed());
        }

        @Override
        public void onError(Throwable error) {
            closed.compareAndSet(null, error);
        }

        @Override
        public void onComplete() {}
    }
}
