package dev.sluice.benchmarks;

import dev.sluice.bus.Event;
import dev.sluice.bus.EventBus;
import dev.sluice.bus.EventType;
import dev.sluice.bus.SubscriberSpec;
import dev.sluice.bus.SubscriberStats;
import dev.sluice.policy.ResiliencePolicy;
import dev.sluice.policy.RetrySettings;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.SlidingWindowSynchronizationStrategy;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;

/** The two shapes {@link LatencyHarness} paces: the bus with the full chain, and Reactor sinks as the baseline. */
final class LatencyShapes {

    private LatencyShapes() {}

    /** Something events are published into; each subscriber records each event's latency once. */
    abstract static class Shape {
        final int subscribers;
        final AtomicLong handled = new AtomicLong();
        // highest trackable: 10 minutes in µs; 3 significant digits
        final Histogram histogram = new ConcurrentHistogram(TimeUnit.MINUTES.toMicros(10), 3);
        private volatile long measureFrom = Long.MAX_VALUE;

        Shape(int subscribers) {
            this.subscribers = subscribers;
        }

        abstract String name();

        abstract void start();

        /** Publish one event whose intended send time is {@code intendedNanos} ({@link System#nanoTime()}). */
        abstract void publish(long intendedNanos);

        /** Return what is wrong with the accounting after {@code published} events, or null if it is exact. */
        abstract @Nullable String check(long published);

        abstract void stop();

        /** Record events intended at or after {@code nanos} only (the end of the warm-up). */
        void measureFrom(long nanos) {
            measureFrom = nanos;
        }

        /** The handler of every subscriber of both shapes: record the latency, complete at once. */
        final void handle(long intendedNanos) {
            if (intendedNanos >= measureFrom) {
                histogram.recordValue(Math.max(0, (System.nanoTime() - intendedNanos) / 1000));
            }
            handled.incrementAndGet();
        }

        Histogram histogram() {
            return histogram;
        }

        /** Wait (parking, on the harness thread) until every subscriber handled every event, at most {@code limit}. */
        boolean awaitAll(long published, Duration limit) {
            long deadline = System.nanoTime() + limit.toNanos();
            while (handled.get() < published * subscribers) {
                if (System.nanoTime() - deadline > 0) {
                    return false;
                }
                LockSupport.parkNanos(100_000);
            }
            return true;
        }
    }

    /** Baseline: one unicast sink per subscriber, each handed off with its own {@code publishOn(parallel())}. */
    static final class ReactorHandOff extends Shape {
        private final Sinks.Many<Long>[] sinks;

        @SuppressWarnings({"unchecked", "rawtypes"}) // no generic array creation in Java
        ReactorHandOff(int subscribers) {
            super(subscribers);
            sinks = new Sinks.Many[subscribers];
        }

        @Override
        String name() {
            return "reactorHandOff";
        }

        @Override
        void start() {
            for (int i = 0; i < sinks.length; i++) {
                sinks[i] = Sinks.many().unicast().onBackpressureBuffer();
                sinks[i].asFlux()
                        .publishOn(Schedulers.parallel())
                        .flatMap(
                                intended -> {
                                    handle(intended);
                                    return Mono.empty();
                                },
                                1)
                        .subscribe();
            }
        }

        @Override
        void publish(long intendedNanos) {
            Long payload = intendedNanos;
            for (Sinks.Many<Long> sink : sinks) {
                Sinks.EmitResult result = sink.tryEmitNext(payload);
                if (result.isFailure()) {
                    throw new IllegalStateException("sink refused an event: " + result);
                }
            }
        }

        @Override
        @Nullable
        String check(long published) {
            long expected = published * subscribers;
            return handled.get() == expected ? null : handled.get() + " handled, expected " + expected;
        }

        @Override
        void stop() {
            for (Sinks.Many<Long> sink : sinks) {
                sink.tryEmitComplete();
            }
        }
    }

    /** The bus: {@code subscribers} subscribers, each with the full chain of {@code BusBenchmark} and a fallback. */
    static final class SluiceBus extends Shape {
        private static final EventType<Long> SENT = EventType.of("bench.sent", Long.class);
        private final BusBenchmark.ReceiptCheck receipts = new BusBenchmark.ReceiptCheck();
        private @Nullable EventBus bus;

        SluiceBus(int subscribers) {
            super(subscribers);
        }

        @Override
        String name() {
            return "sluiceBus";
        }

        @Override
        void start() {
            EventBus b = EventBus.builder().build();
            for (int i = 0; i < subscribers; i++) {
                ResiliencePolicy policy = ResiliencePolicy.builder("latency-" + i)
                        .timeout(Duration.ofSeconds(1))
                        .circuitBreaker(CircuitBreakerConfig.custom()
                                .slidingWindowSynchronizationStrategy(SlidingWindowSynchronizationStrategy.LOCK_FREE)
                                .build())
                        .retry(RetrySettings.builder()
                                .maxAttempts(3)
                                .minBackoff(Duration.ofMillis(10))
                                .build())
                        .build();
                b.subscribe(SubscriberSpec.builder("latency-" + i, SENT, (Event<Long> event) -> {
                            handle(event.payload());
                            return Mono.empty();
                        })
                        .policy(policy)
                        .fallback((event, failure) ->
                                Mono.error(new IllegalStateException("the no-op handler failed", failure.error())))
                        .build());
            }
            receipts.expectedInboxes = subscribers;
            bus = b;
        }

        private EventBus started() {
            EventBus started = bus;
            if (started == null) {
                throw new IllegalStateException("sluiceBus: start() was not called");
            }
            return started;
        }

        @Override
        void publish(long intendedNanos) {
            started().publish(SENT, intendedNanos).subscribe(receipts);
        }

        @Override
        @Nullable
        String check(long published) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            EventBus started = started();
            while (started.stats().values().stream().anyMatch(s -> s.inFlight() != 0) && System.nanoTime() < deadline) {
                LockSupport.parkNanos(100_000);
            }
            long clean = receipts.receipts.get() - receipts.bad.get();
            if (clean != published) {
                return clean + " clean receipts of " + published + " publishes (" + receipts.bad.get()
                        + " overflowed or failed)";
            }
            for (Map.Entry<String, SubscriberStats> entry : started.stats().entrySet()) {
                SubscriberStats s = entry.getValue();
                if (s.offered() != published || s.delivered() != published || !s.balanced()) {
                    return entry.getKey() + ": " + s;
                }
            }
            return null;
        }

        @Override
        void stop() {
            if (bus != null) {
                try {
                    bus.close(Duration.ofSeconds(10)).block(Duration.ofSeconds(20));
                } catch (RuntimeException late) {
                    // the figures are already taken; say so and go on with the next rate
                    System.err.println("sluiceBus did not close within 20 s: " + late);
                }
            }
        }
    }
}
