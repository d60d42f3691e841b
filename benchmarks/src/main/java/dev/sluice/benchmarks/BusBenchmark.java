package dev.sluice.benchmarks;

import com.google.common.eventbus.AsyncEventBus;
import com.google.common.eventbus.Subscribe;
import dev.sluice.bus.Event;
import dev.sluice.bus.EventBus;
import dev.sluice.bus.EventType;
import dev.sluice.bus.PublishReceipt;
import dev.sluice.bus.SubscriberSpec;
import dev.sluice.bus.SubscriberStats;
import dev.sluice.policy.Failure;
import dev.sluice.policy.ResiliencePolicy;
import dev.sluice.policy.RetrySettings;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.SlidingWindowSynchronizationStrategy;
import io.micrometer.observation.ObservationRegistry;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiFunction;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Events per second through the bus with the full policy chain, beside what a user would otherwise pick: a Reactor
 * unicast sink handed off to one thread, and Guava's {@link AsyncEventBus} on one thread (issue 4, "Performance").
 *
 * <p>Each invocation publishes a batch of {@value #BATCH} events from the benchmark thread and returns only when every
 * subscriber has handled every one of them, so a score is events published per second ({@link
 * OperationsPerInvocation}). The wait spins on a counter of handled events (the benchmark thread is not a Reactor
 * thread) and fails the run if the batch is not handled within {@link #BATCH_TIMEOUT}. The handler is the same
 * everywhere: count the event, complete at once. After every iteration the teardown checks that nothing was lost:
 * every event handled once, and for the bus, every subscriber's accounting is exact ({@code offered = delivered},
 * nothing recovered, dead-lettered or in flight).
 *
 * <p>The bus subscribers use the policy of {@link PolicyBenchmark#sluicePolicy()} — timeout 1 s, {@code LOCK_FREE}
 * breaker, retry 3 attempts with 10 ms minimum backoff — without its fallback (the bus rejects a policy that carries
 * one) and with a subscriber fallback instead. {@link #sluiceBusOnePercentFailures} retries with no backoff: a 10 ms
 * wait would hold the concurrency-1 subscriber still and measure the timer wheel, not the bus.
 *
 * <p>Targets (issue 4, same run, median of 3 forks): {@code sluiceBus} ≥ 1.0 × {@code guavaAsyncEventBus} and ≥ 0.25 ×
 * {@code reactorHandOff}.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 4, time = 1)
@Measurement(iterations = 5, time = 2)
@Fork(3)
public class BusBenchmark {

    static final int BATCH = 1024;
    static final Duration BATCH_TIMEOUT = Duration.ofSeconds(10);

    private static final EventType<Long> TICK = EventType.of("bench.tick", Long.class);
    private static final Duration TIMEOUT = Duration.ofSeconds(1);
    private static final Duration MIN_BACKOFF = Duration.ofMillis(10);
    private static final CircuitBreakerConfig BREAKER_CONFIG = CircuitBreakerConfig.custom()
            .slidingWindowSynchronizationStrategy(SlidingWindowSynchronizationStrategy.LOCK_FREE)
            .build();

    /** Boxed once, so no benchmark pays for boxing its payloads; every one publishes the same objects. */
    static final Long[] PAYLOADS = new Long[BATCH];

    static {
        for (int i = 0; i < BATCH; i++) {
            PAYLOADS[i] = (long) i;
        }
    }

    /** Baseline: a unicast sink handed off with {@code publishOn} to one thread, each event through the handler. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void reactorHandOff(ReactorHandOff state) {
        long target = state.handled.get() + BATCH;
        Sinks.Many<Long> sink = state.sink;
        for (Long payload : PAYLOADS) {
            Sinks.EmitResult result = sink.tryEmitNext(payload);
            if (result.isFailure()) {
                throw new IllegalStateException("sink refused an event: " + result);
            }
        }
        state.published += BATCH;
        awaitHandled(state.handled, target);
    }

    /** Baseline: Guava's {@link AsyncEventBus} dispatching to one subscriber on one thread. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void guavaAsyncEventBus(GuavaBus state) {
        long target = state.handled.get() + BATCH;
        com.google.common.eventbus.EventBus bus = state.bus;
        for (Long payload : PAYLOADS) {
            bus.post(payload);
        }
        state.published += BATCH;
        awaitHandled(state.handled, target);
    }

    /** One subscriber under the full policy chain plus a fallback. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void sluiceBus(OneSubscriber state) {
        state.publishBatch();
    }

    /** Four subscribers, each under its own full policy chain; scored as events published per second. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void sluiceBusFourSubscribers(FourSubscribers state) {
        state.publishBatch();
    }

    /** {@link #sluiceBus} where 1 % of events fail once (a retryable {@link IOException}) and succeed on retry. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void sluiceBusOnePercentFailures(OnePercentFailures state) {
        state.publishBatch();
    }

    /**
     * {@link #sluiceBus} on a bus that observes every publish and handling (issue 16, docs/observability.md) in a real
     * {@code ObservationRegistry} whose one handler does nothing: the cost of the observations themselves.
     */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void sluiceBusObserved(ObservedSubscriber state) {
        state.publishBatch();
    }

    /** The Reactor baseline: {@code Sinks.many().unicast()} → {@code publishOn(single)} → handler. */
    @State(Scope.Thread)
    public static class ReactorHandOff {
        final AtomicLong handled = new AtomicLong();
        long published;
        Sinks.Many<Long> sink;
        Scheduler thread;

        @Setup(Level.Trial)
        public void start() {
            thread = Schedulers.newSingle("bench-handoff", true);
            sink = Sinks.many().unicast().onBackpressureBuffer();
            Function<Long, Mono<Void>> handler = payload -> {
                handled.incrementAndGet();
                return Mono.empty();
            };
            // flatMap with concurrency 1: the same per-event Mono subscription the bus worker makes
            sink.asFlux().publishOn(thread).flatMap(handler, 1).subscribe();
        }

        @TearDown(Level.Iteration)
        public void verify() {
            verifyCount("reactorHandOff", handled.get(), published);
        }

        @TearDown(Level.Trial)
        public void stop() {
            sink.tryEmitComplete();
            thread.dispose();
        }
    }

    /** The Guava baseline: {@link AsyncEventBus} on a single-thread executor. */
    @State(Scope.Thread)
    public static class GuavaBus {
        final AtomicLong handled = new AtomicLong();
        long published;
        AsyncEventBus bus;
        ExecutorService thread;

        @Setup(Level.Trial)
        public void start() {
            thread = Executors.newSingleThreadExecutor(task -> {
                Thread t = new Thread(task, "bench-guava");
                t.setDaemon(true);
                return t;
            });
            bus = new AsyncEventBus("bench", thread);
            bus.register(new GuavaSubscriber(handled));
        }

        @TearDown(Level.Iteration)
        public void verify() {
            verifyCount("guavaAsyncEventBus", handled.get(), published);
        }

        @TearDown(Level.Trial)
        public void stop() throws InterruptedException {
            thread.shutdown();
            if (!thread.awaitTermination(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("guava executor did not stop within 10 s");
            }
        }
    }

    /** Guava finds handlers by annotation; the same no-op handler as everywhere else. */
    public static final class GuavaSubscriber {
        private final AtomicLong handled;

        GuavaSubscriber(AtomicLong handled) {
            this.handled = handled;
        }

        @Subscribe
        public void on(Long payload) {
            handled.incrementAndGet();
        }
    }

    /** One bus subscriber. */
    @State(Scope.Thread)
    public static class OneSubscriber extends SluiceState {
        public OneSubscriber() {
            super(1, MIN_BACKOFF, false);
        }
    }

    /** One bus subscriber on a bus with an observation registry (one no-op handler). */
    @State(Scope.Thread)
    public static class ObservedSubscriber extends SluiceState {
        public ObservedSubscriber() {
            super(1, MIN_BACKOFF, false);
        }

        @Override
        EventBus.Builder builder() {
            ObservationRegistry observations = ObservationRegistry.create();
            observations.observationConfig().observationHandler(context -> true); // takes every context, does nothing
            return super.builder().observationRegistry(observations);
        }
    }

    /** Four bus subscribers of the same type. */
    @State(Scope.Thread)
    public static class FourSubscribers extends SluiceState {
        public FourSubscribers() {
            super(4, MIN_BACKOFF, false);
        }
    }

    /** One bus subscriber whose handler fails every hundredth event once. */
    @State(Scope.Thread)
    public static class OnePercentFailures extends SluiceState {
        public OnePercentFailures() {
            super(1, Duration.ZERO, true);
        }
    }

    /** A bus with {@code subscribers} identical subscribers; the handler counts events it completes. */
    abstract static class SluiceState {
        private final int subscriberCount;
        private final Duration minBackoff;
        private final boolean failOnePercent;

        final AtomicLong handled = new AtomicLong();
        final AtomicLong recovered = new AtomicLong();
        final AtomicLong failuresInjected = new AtomicLong();
        final ReceiptCheck receipts = new ReceiptCheck();
        long published;
        // the retry of a failed event comes before the next event (concurrency 1), so one flag is enough
        volatile boolean failedOnce;
        EventBus bus;

        SluiceState(int subscriberCount, Duration minBackoff, boolean failOnePercent) {
            this.subscriberCount = subscriberCount;
            this.minBackoff = minBackoff;
            this.failOnePercent = failOnePercent;
        }

        @Setup(Level.Trial)
        public void start() {
            bus = builder().build();
            receipts.expectedInboxes = subscriberCount;
            Function<Event<Long>, Publisher<?>> handler = failOnePercent ? this::flakyHandler : this::handler;
            BiFunction<Event<Long>, Failure, Publisher<?>> fallback = (event, failure) -> {
                recovered.incrementAndGet();
                return Mono.empty();
            };
            for (int i = 0; i < subscriberCount; i++) {
                ResiliencePolicy policy = ResiliencePolicy.builder("bench-" + i)
                        .timeout(TIMEOUT)
                        .circuitBreaker(BREAKER_CONFIG)
                        .retry(RetrySettings.builder()
                                .maxAttempts(3)
                                .minBackoff(minBackoff)
                                .maxBackoff(minBackoff.isZero() ? Duration.ZERO : RetrySettings.DEFAULT_MAX_BACKOFF)
                                .build())
                        .build();
                bus.subscribe(SubscriberSpec.builder("bench-" + i, TICK, handler)
                        .policy(policy)
                        .fallback(fallback)
                        .build());
            }
        }

        /** Return the builder of the state's bus (overridden to observe it). */
        EventBus.Builder builder() {
            return EventBus.builder();
        }

        private Publisher<?> handler(Event<Long> event) {
            handled.incrementAndGet();
            return Mono.empty();
        }

        private Publisher<?> flakyHandler(Event<Long> event) {
            if (event.payload() % 100 == 0) {
                if (!failedOnce) {
                    failedOnce = true;
                    failuresInjected.incrementAndGet();
                    return Mono.error(new IOException("injected failure, retryable"));
                }
                failedOnce = false;
            }
            handled.incrementAndGet();
            return Mono.empty();
        }

        void publishBatch() {
            long target = handled.get() + (long) BATCH * subscriberCount;
            EventBus b = bus;
            ReceiptCheck r = receipts;
            for (Long payload : PAYLOADS) {
                b.publish(TICK, payload).subscribe(r);
            }
            published += BATCH;
            awaitHandled(handled, target);
        }

        @TearDown(Level.Iteration)
        public void verify() {
            receipts.verify(published);
            verifyCount("handled by " + subscriberCount + " subscriber(s)", handled.get(), published * subscriberCount);
            if (recovered.get() != 0) {
                throw new IllegalStateException(recovered.get() + " events ended in the fallback");
            }
            // the handler counts before its Mono completes; let the accounting catch up, then demand it be exact
            awaitTrue(() -> bus.stats().values().stream().allMatch(s -> s.inFlight() == 0), "in-flight events");
            Map<String, SubscriberStats> stats = bus.stats();
            for (Map.Entry<String, SubscriberStats> entry : stats.entrySet()) {
                SubscriberStats s = entry.getValue();
                if (s.offered() != published || s.delivered() != published || !s.balanced()) {
                    throw new IllegalStateException(
                            "subscriber " + entry.getKey() + " of " + published + " published events: " + s);
                }
            }
            if (failOnePercent && failuresInjected.get() < published / 100) {
                throw new IllegalStateException(
                        "only " + failuresInjected.get() + " failures injected for " + published + " events");
            }
        }

        @TearDown(Level.Trial)
        public void stop() {
            bus.close(Duration.ofSeconds(5)).block(Duration.ofSeconds(10));
        }
    }

    /**
     * Subscribes every publish: requests its receipt and checks every subscriber's inbox took the event. Reused for
     * every publish; receipts arrive on the benchmark thread unless a publish had to wait for room.
     */
    static final class ReceiptCheck implements CoreSubscriber<PublishReceipt> {
        final AtomicLong receipts = new AtomicLong();
        final AtomicLong bad = new AtomicLong();
        int expectedInboxes;
        volatile @Nullable Throwable lastError;

        @Override
        public void onSubscribe(Subscription s) {
            s.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(PublishReceipt receipt) {
            receipts.incrementAndGet();
            if (receipt.delivered() != expectedInboxes || receipt.overflowed() != 0) {
                bad.incrementAndGet();
            }
        }

        @Override
        public void onError(Throwable error) {
            bad.incrementAndGet();
            lastError = error;
        }

        @Override
        public void onComplete() {}

        void verify(long published) {
            awaitTrue(() -> receipts.get() + bad.get() >= published, "publish receipts");
            if (receipts.get() != published || bad.get() != 0) {
                IllegalStateException failure = new IllegalStateException("of " + published + " publishes, "
                        + receipts.get() + " receipts, " + bad.get() + " failed or overflowed");
                Throwable error = lastError;
                if (error != null) {
                    failure.initCause(error);
                }
                throw failure;
            }
        }
    }

    /** Spin until {@code handled} reaches {@code target}; fail if that takes longer than {@link #BATCH_TIMEOUT}. */
    static void awaitHandled(AtomicLong handled, long target) {
        if (handled.get() >= target) {
            return;
        }
        long deadline = System.nanoTime() + BATCH_TIMEOUT.toNanos();
        for (int spins = 1; handled.get() < target; spins++) {
            Thread.onSpinWait();
            if ((spins & 1023) == 0) {
                if (System.nanoTime() - deadline > 0) {
                    throw new IllegalStateException("handled count " + handled.get() + " did not reach " + target
                            + " within " + BATCH_TIMEOUT + " of the batch's last publish (lost events?)");
                }
                yieldToConsumer();
            }
        }
    }

    private static void awaitTrue(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + BATCH_TIMEOUT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("waited " + BATCH_TIMEOUT + " for " + what);
            }
            yieldToConsumer();
        }
    }

    // 2 shared cores: a spinning benchmark thread must let the consumer thread run, and yield is the cheapest way
    @SuppressWarnings("ThreadPriorityCheck")
    private static void yieldToConsumer() {
        Thread.yield();
    }

    private static void verifyCount(String what, long handled, long expected) {
        if (handled != expected) {
            throw new IllegalStateException(what + ": " + handled + " events handled, expected " + expected);
        }
    }
}
