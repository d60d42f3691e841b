package dev.sluice.benchmarks;

import dev.sluice.policy.ResiliencePolicy;
import dev.sluice.policy.RetrySettings;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.SlidingWindowSynchronizationStrategy;
import io.github.resilience4j.reactor.circuitbreaker.operator.CircuitBreakerOperator;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;
import reactor.util.retry.Retry;

/**
 * What a {@link ResiliencePolicy} costs a call that succeeds, beside the handler alone and beside the naive per-call
 * composition of Reactor and resilience4j operators it replaces (docs/DESIGN.md, "Timing and performance principles":
 * pay on failure, not on success).
 *
 * <p>Every method builds its {@code Mono} per call, as the bus does per event, and subscribes it once with the same
 * reusable subscriber, which requests everything and counts what it receives. The plain methods' handler completes
 * during subscribe, so no timer is needed; the {@code *Async} methods' handler is completed by the benchmark thread
 * right after subscribe returns, so every timeout timer is armed and then cancelled. Both guarded variants carry the
 * same timeout (1 s), circuit breaker (one {@link CircuitBreakerConfig}, {@code LOCK_FREE} window in both), retry
 * (10 ms minimum backoff) and fallback; the shared parts (breaker operator, retry spec, fallback function) are built
 * once so the naive composition pays only for what it cannot avoid.
 *
 * <p>After every iteration the teardown checks that each call emitted the handler's value and completed — no
 * fallback, no error, no missing signal — and fails the run otherwise. Read the added cost per call as
 * {@code 1/score(sluicePolicy) − 1/score(bareMono)} and bytes per call as {@code gc.alloc.rate.norm} ({@code -prof
 * gc}).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 4, time = 1)
@Measurement(iterations = 5, time = 2)
@Fork(3)
public class PolicyBenchmark {

    private static final Duration TIMEOUT = Duration.ofSeconds(1);
    private static final Duration MIN_BACKOFF = Duration.ofMillis(10);
    private static final Duration HEDGE_DELAY = Duration.ofMillis(500);
    // boxed once: the subscriber tells the handler's value from the fallback's by identity, and nothing boxes per call
    private static final Integer VALUE = 42;
    private static final Integer FALLBACK_VALUE = -1;

    private static final CircuitBreakerConfig BREAKER_CONFIG = CircuitBreakerConfig.custom()
            .slidingWindowSynchronizationStrategy(SlidingWindowSynchronizationStrategy.LOCK_FREE)
            .build();

    // lambdas held in fields, so that no benchmark invocation allocates one (a method reference to this would)
    @SuppressWarnings("UnnecessaryLambda")
    private final Callable<Integer> noop = () -> VALUE;

    @SuppressWarnings("UnnecessaryLambda")
    private final Consumer<MonoSink<Integer>> deferredHandler = sink -> pendingSink = sink;

    private @Nullable MonoSink<Integer> pendingSink;

    private final CircuitBreakerOperator<Integer> naiveBreaker =
            CircuitBreakerOperator.of(CircuitBreaker.of("naive", BREAKER_CONFIG));
    // Reactor counts retries (3 retries = 4 calls); the policy counts calls. The happy path never retries either way.
    private final Retry naiveRetry = Retry.backoff(3, MIN_BACKOFF);

    @SuppressWarnings("UnnecessaryLambda") // in a field for the reason noop is
    private final Function<Throwable, Mono<Integer>> naiveFallback = error -> Mono.just(FALLBACK_VALUE);

    private final ResiliencePolicy policy = ResiliencePolicy.builder("bench")
            .timeout(TIMEOUT)
            .circuitBreaker(BREAKER_CONFIG)
            .retry(RetrySettings.builder()
                    .maxAttempts(3)
                    .minBackoff(MIN_BACKOFF)
                    .build())
            .fallback(failure -> Mono.just(FALLBACK_VALUE))
            .build();

    // the same policy with a hedge whose delay (500 ms) is never reached: its timer is armed only by the async methods
    private final ResiliencePolicy hedgedPolicy = ResiliencePolicy.builder("bench-hedged")
            .timeout(TIMEOUT)
            .circuitBreaker(BREAKER_CONFIG)
            .retry(RetrySettings.builder()
                    .maxAttempts(3)
                    .minBackoff(MIN_BACKOFF)
                    .build())
            .hedge(1, HEDGE_DELAY)
            .fallback(failure -> Mono.just(FALLBACK_VALUE))
            .build();

    // the baseline a user would pick for a breaker alone: resilience4j-reactor's operator, its own breaker
    private final CircuitBreakerOperator<Integer> breakerOnly =
            CircuitBreakerOperator.of(CircuitBreaker.of("breaker-only", BREAKER_CONFIG));

    private final CountingSubscriber subscriber = new CountingSubscriber();
    private long invocations;
    private long missingSinks;

    /** Baseline: the handler alone, completing during subscribe. */
    @Benchmark
    public void bareMono() {
        invocations++;
        handler().subscribe(subscriber);
    }

    /** The handler through per-call {@code timeout} + resilience4j breaker + {@code retryWhen} + fallback. */
    @Benchmark
    public void naiveComposition() {
        invocations++;
        naive(handler()).subscribe(subscriber);
    }

    /** The handler through the policy. */
    @Benchmark
    public void sluicePolicy() {
        invocations++;
        policy.apply(handler()).subscribe(subscriber);
    }

    /**
     * {@link #sluicePolicy()} with a hedge configured whose delay is never reached: the handler completes during
     * subscribe, so no hedge timer is armed (target: at least 0.9 × {@code sluicePolicy}).
     */
    @Benchmark
    public void sluicePolicyHedged() {
        invocations++;
        hedgedPolicy.apply(handler()).subscribe(subscriber);
    }

    /**
     * Baseline a user would pick: the handler decorated by resilience4j-reactor's {@code CircuitBreakerOperator} alone
     * (read {@code sluicePolicy} ÷ it: the whole chain against one operator; target at least 0.8).
     */
    @Benchmark
    public void resilience4jBreakerOnly() {
        invocations++;
        handler().transform(breakerOnly).subscribe(subscriber);
    }

    /** Baseline: the handler alone, completed after subscribe has returned. */
    @Benchmark
    public void bareMonoAsync() {
        invocations++;
        asyncHandler().subscribe(subscriber);
        completeHandler();
    }

    /** {@link #naiveComposition()} with a handler completed after subscribe has returned. */
    @Benchmark
    public void naiveCompositionAsync() {
        invocations++;
        naive(asyncHandler()).subscribe(subscriber);
        completeHandler();
    }

    /** {@link #sluicePolicy()} with a handler completed after subscribe has returned: the timeout timer is armed. */
    @Benchmark
    public void sluicePolicyAsync() {
        invocations++;
        policy.apply(asyncHandler()).subscribe(subscriber);
        completeHandler();
    }

    /**
     * {@link #sluicePolicyHedged()} with a handler completed after subscribe has returned: the timeout timer and the
     * hedge's delay timer are armed, then cancelled; the hedge never starts.
     */
    @Benchmark
    public void sluicePolicyHedgedAsync() {
        invocations++;
        hedgedPolicy.apply(asyncHandler()).subscribe(subscriber);
        completeHandler();
    }

    /** Fail the run unless every call of the iteration emitted the handler's value and completed. */
    @TearDown(Level.Iteration)
    public void verifyEveryCallCompleted() {
        CountingSubscriber s = subscriber;
        if (s.values != invocations
                || s.completions != invocations
                || s.fallbacks != 0
                || s.errors != 0
                || missingSinks != 0) {
            IllegalStateException failure = new IllegalStateException("of " + invocations + " calls, " + s.values
                    + " emitted the handler's value, " + s.completions + " completed, " + s.fallbacks
                    + " fell back, " + s.errors + " failed and " + missingSinks
                    + " never subscribed the async handler");
            Throwable lastError = s.lastError;
            if (lastError != null) {
                failure.initCause(lastError);
            }
            throw failure;
        }
        invocations = 0;
        missingSinks = 0;
        s.reset();
    }

    private Mono<Integer> handler() {
        return Mono.fromCallable(noop).hide(); // hidden so Reactor cannot shortcut the subscription
    }

    private Mono<Integer> asyncHandler() {
        return Mono.create(deferredHandler); // neither Callable nor Fuseable: no shortcut to hide
    }

    private Mono<Integer> naive(Mono<Integer> handler) {
        return handler.timeout(TIMEOUT)
                .transform(naiveBreaker)
                .retryWhen(naiveRetry)
                .onErrorResume(naiveFallback);
    }

    private void completeHandler() {
        MonoSink<Integer> sink = pendingSink;
        if (sink == null) {
            missingSinks++; // e.g. an open breaker or a fallback: the teardown reports it
            return;
        }
        pendingSink = null;
        sink.success(VALUE);
    }

    /**
     * Requests everything and counts signals. Reused across calls: every signal arrives on the benchmark thread unless
     * a timer fires, which the teardown reports as a fallback or an error.
     */
    private static final class CountingSubscriber implements CoreSubscriber<Integer> {
        long values;
        long completions;
        long fallbacks;
        long errors;

        @Nullable
        Throwable lastError;

        @Override
        public void onSubscribe(Subscription s) {
            s.request(Long.MAX_VALUE);
        }

        @Override
        @SuppressWarnings({"BoxedPrimitiveEquality", "ReferenceEquality"}) // by identity on purpose: see VALUE
        public void onNext(Integer value) {
            if (value == VALUE) {
                values++;
            } else {
                fallbacks++;
            }
        }

        @Override
        public void onError(Throwable error) {
            errors++;
            lastError = error;
        }

        @Override
        public void onComplete() {
            completions++;
        }

        void reset() {
            values = 0;
            completions = 0;
            fallbacks = 0;
            errors = 0;
            lastError = null;
        }
    }
}
