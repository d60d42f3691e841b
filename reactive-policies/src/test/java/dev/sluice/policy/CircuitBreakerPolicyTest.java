package dev.sluice.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.resilience4j.bulkhead.BulkheadFullException;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.SlidingWindowType;
import io.github.resilience4j.ratelimiter.RequestNotPermitted;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;
import reactor.test.scheduler.VirtualTimeScheduler;

class CircuitBreakerPolicyTest {

    private static final Duration VERIFY = Duration.ofSeconds(10);
    private static final Duration WAIT_IN_OPEN = Duration.ofSeconds(10);

    private final VirtualTimeScheduler vts = VirtualTimeScheduler.create();
    private final AtomicInteger subscriptions = new AtomicInteger();

    private ResiliencePolicy policy() {
        return ResiliencePolicy.builder("breaker")
                .circuitBreaker(CircuitBreakerConfig.custom()
                        .slidingWindowType(SlidingWindowType.COUNT_BASED)
                        .slidingWindowSize(4)
                        .minimumNumberOfCalls(4)
                        .failureRateThreshold(50)
                        .waitDurationInOpenState(WAIT_IN_OPEN)
                        .permittedNumberOfCallsInHalfOpenState(2)
                        .build())
                .scheduler(vts)
                .build();
    }

    private Mono<String> succeeding() {
        return Mono.fromCallable(() -> {
            subscriptions.incrementAndGet();
            return "ok";
        });
    }

    private Mono<String> failing() {
        return Mono.defer(() -> {
            subscriptions.incrementAndGet();
            return Mono.error(new IOException("down"));
        });
    }

    private static void expectValue(Mono<String> call) {
        StepVerifier.create(call).expectNext("ok").expectComplete().verify(VERIFY);
    }

    private static void expectError(Mono<String> call, Class<? extends Throwable> type) {
        StepVerifier.create(call).expectError(type).verify(VERIFY);
    }

    private void open(ResiliencePolicy policy) {
        for (int i = 0; i < 4; i++) {
            expectError(failing().transform(policy::apply), IOException.class);
        }
        assertThat(policy.circuitBreaker().getState()).isEqualTo(CircuitBreaker.State.OPEN);
    }

    @Test
    void opensWhenTheFailureRateReachesTheThresholdOverTheCountWindow() {
        ResiliencePolicy policy = policy();
        CircuitBreaker breaker = policy.circuitBreaker();

        expectValue(succeeding().transform(policy::apply));
        expectValue(succeeding().transform(policy::apply));
        expectError(failing().transform(policy::apply), IOException.class);
        CircuitBreaker.State afterThreeCalls = breaker.getState();
        expectError(failing().transform(policy::apply), IOException.class);

        assertThat(afterThreeCalls).isEqualTo(CircuitBreaker.State.CLOSED);
        assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.OPEN);
        assertThat(breaker.getMetrics().getFailureRate()).isEqualTo(50f);
    }

    @Test
    void openBreakerRejectsWithoutSubscribingTheSource() {
        ResiliencePolicy policy = policy();
        open(policy);
        subscriptions.set(0);

        StepVerifier.create(succeeding().transform(policy::apply))
                .expectErrorSatisfies(e -> assertThat(e)
                        .isInstanceOf(CallNotPermittedException.class)
                        .hasMessageContaining("breaker"))
                .verify(VERIFY);

        assertThat(subscriptions).hasValue(0);
        assertThat(policy.counters().rejected.sum()).isEqualTo(1);
    }

    @Test
    void openBreakerIsNotRetried() {
        ResiliencePolicy policy = ResiliencePolicy.builder("breaker-retry")
                .circuitBreaker(CircuitBreakerConfig.ofDefaults())
                .retry(5)
                .scheduler(vts)
                .build();
        policy.circuitBreaker().transitionToOpenState();

        StepVerifier.withVirtualTime(() -> succeeding().transform(policy::apply), () -> vts, Long.MAX_VALUE)
                .expectSubscription()
                .expectError(CallNotPermittedException.class)
                .verify(VERIFY);

        assertThat(subscriptions).hasValue(0);
        assertThat(policy.counters().retries.sum()).isZero();
    }

    @Test
    void halfOpensAfterTheWaitInOpenAndClosesAfterThePermittedSuccesses() {
        ResiliencePolicy policy = policy();
        CircuitBreaker breaker = policy.circuitBreaker();
        open(policy);

        vts.advanceTimeBy(WAIT_IN_OPEN);
        expectError(succeeding().transform(policy::apply), CallNotPermittedException.class);
        CircuitBreaker.State atTheWait = breaker.getState();
        vts.advanceTimeBy(Duration.ofMillis(1));
        expectValue(succeeding().transform(policy::apply));
        CircuitBreaker.State afterOneSuccess = breaker.getState();
        expectValue(succeeding().transform(policy::apply));

        // resilience4j leaves OPEN once its clock is strictly past the wait
        assertThat(atTheWait).isEqualTo(CircuitBreaker.State.OPEN);
        assertThat(afterOneSuccess).isEqualTo(CircuitBreaker.State.HALF_OPEN);
        assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.CLOSED);
    }

    @Test
    void halfOpenBreakerLetsThroughOnlyThePermittedCalls() {
        ResiliencePolicy policy = policy();
        open(policy);
        vts.advanceTimeBy(WAIT_IN_OPEN.plusMillis(1));
        Sinks.One<String> first = Sinks.one();
        Sinks.One<String> second = Sinks.one();

        Disposable a = first.asMono().transform(policy::apply).subscribe();
        Disposable b = second.asMono().transform(policy::apply).subscribe();
        subscriptions.set(0);
        expectError(succeeding().transform(policy::apply), CallNotPermittedException.class);

        assertThat(subscriptions).hasValue(0);
        a.dispose();
        b.dispose();
    }

    @Test
    void cancelReleasesTheHalfOpenPermitWithoutRecording() {
        ResiliencePolicy policy = policy();
        CircuitBreaker breaker = policy.circuitBreaker();
        open(policy);
        vts.advanceTimeBy(WAIT_IN_OPEN.plusMillis(1));

        for (int i = 0; i < 5; i++) {
            Mono.never().transform(policy::apply).subscribe().dispose();
        }

        assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.HALF_OPEN);
        assertThat(breaker.getMetrics().getNumberOfBufferedCalls()).isZero();
        expectValue(succeeding().transform(policy::apply));
        expectValue(succeeding().transform(policy::apply));
        assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.CLOSED);
    }

    @Test
    void ignoredErrorsReleaseThePermitWithoutBeingRecorded() {
        ResiliencePolicy policy = policy();
        CircuitBreaker breaker = policy.circuitBreaker();

        for (int i = 0; i < 10; i++) {
            expectError(
                    Mono.<String>error(new HttpStatusException(400)).transform(policy::apply),
                    HttpStatusException.class);
        }

        assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.CLOSED);
        assertThat(breaker.getMetrics().getNumberOfBufferedCalls()).isZero();
    }

    @Test
    void bulkheadRejectionsDoNotOpenTheBreaker() {
        ResiliencePolicy policy = ResiliencePolicy.builder("rejections")
                .circuitBreaker(CircuitBreakerConfig.custom()
                        .slidingWindowSize(2)
                        .minimumNumberOfCalls(2)
                        .build())
                .bulkhead(1)
                .scheduler(vts)
                .build();
        Sinks.One<String> held = Sinks.one();
        Disposable inFlight = held.asMono().transform(policy::apply).subscribe();

        for (int i = 0; i < 10; i++) {
            expectError(succeeding().transform(policy::apply), BulkheadFullException.class);
        }
        held.tryEmitValue("done");

        CircuitBreaker breaker = policy.circuitBreaker();
        assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.CLOSED);
        assertThat(breaker.getMetrics().getNumberOfFailedCalls()).isZero();
        assertThat(breaker.getMetrics().getNumberOfSuccessfulCalls()).isEqualTo(1);
        assertThat(subscriptions).hasValue(0);
        inFlight.dispose();
    }

    @Test
    void rateLimiterRejectionsDoNotOpenTheBreaker() {
        ResiliencePolicy policy = ResiliencePolicy.builder("limited")
                .circuitBreaker(CircuitBreakerConfig.custom()
                        .slidingWindowSize(2)
                        .minimumNumberOfCalls(2)
                        .build())
                .rateLimiter(1, Duration.ofHours(1))
                .scheduler(vts)
                .build();

        expectValue(succeeding().transform(policy::apply));
        for (int i = 0; i < 10; i++) {
            expectError(succeeding().transform(policy::apply), RequestNotPermitted.class);
        }

        CircuitBreaker breaker = policy.circuitBreaker();
        assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.CLOSED);
        assertThat(breaker.getMetrics().getNumberOfFailedCalls()).isZero();
        assertThat(breaker.getMetrics().getNumberOfBufferedCalls()).isEqualTo(1);
    }

    @Test
    void slowCallsAreMeasuredOnThePolicysSchedulerClock() {
        ResiliencePolicy policy = ResiliencePolicy.builder("slow-calls")
                .circuitBreaker(CircuitBreakerConfig.custom()
                        .slidingWindowSize(1)
                        .minimumNumberOfCalls(1)
                        .slowCallDurationThreshold(Duration.ofSeconds(1))
                        .slowCallRateThreshold(100)
                        .build())
                .scheduler(vts)
                .build();

        StepVerifier.withVirtualTime(
                        () -> Mono.delay(Duration.ofSeconds(2), vts).transform(policy::apply),
                        () -> vts,
                        Long.MAX_VALUE)
                .expectSubscription()
                .thenAwait(Duration.ofSeconds(2))
                .expectNext(0L)
                .expectComplete()
                .verify(VERIFY);

        assertThat(policy.circuitBreaker().getMetrics().getNumberOfSlowSuccessfulCalls())
                .isEqualTo(1);
        assertThat(policy.circuitBreaker().getState()).isEqualTo(CircuitBreaker.State.OPEN);
    }

    @Test
    void sharedBreakerWithSynchronizedWindowIsRefused() {
        CircuitBreaker synchronizedBreaker = CircuitBreaker.of(
                "locking",
                CircuitBreakerConfig.custom()
                        .slidingWindowSynchronizationStrategy(
                                CircuitBreakerConfig.SlidingWindowSynchronizationStrategy.SYNCHRONIZED)
                        .build());

        ResiliencePolicy.Builder builder = ResiliencePolicy.builder("locking");

        org.assertj.core.api.Assertions.assertThatIllegalArgumentException()
                .isThrownBy(() -> builder.circuitBreaker(synchronizedBreaker))
                .withMessageContaining("LOCK_FREE");
    }

    @Test
    void twoThreadsContendingOnOneBreakerRun100kCallsWithoutBlocking() {
        ResiliencePolicy policy = ResiliencePolicy.builder("contended")
                .circuitBreaker(CircuitBreakerConfig.custom()
                        .slidingWindowSize(100)
                        .minimumNumberOfCalls(100)
                        .failureRateThreshold(100)
                        .build())
                .build();
        LongAdder invocations = new LongAdder();
        Scheduler workers = Schedulers.newParallel("contended-breaker", 2);
        Mono<Long> half = Flux.range(0, 50_000)
                .concatMap(i -> Mono.fromCallable(() -> {
                            invocations.increment();
                            if (i % 10 == 0) {
                                throw new IllegalStateException("every tenth call fails");
                            }
                            return i;
                        })
                        .transform(policy::apply)
                        .onErrorResume(IllegalStateException.class, e -> Mono.just(-1)))
                .count()
                .subscribeOn(workers);

        try {
            StepVerifier.create(Mono.zip(half, half, Long::sum))
                    .expectNext(100_000L)
                    .expectComplete()
                    .verify(Duration.ofSeconds(60));
        } finally {
            workers.dispose();
        }

        CircuitBreaker breaker = policy.circuitBreaker();
        assertThat(invocations.sum()).isEqualTo(100_000);
        assertThat(policy.counters().success.sum()).isEqualTo(90_000);
        assertThat(policy.counters().failed.sum()).isEqualTo(10_000);
        assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.CLOSED);
        assertThat(breaker.getMetrics().getNumberOfBufferedCalls()).isEqualTo(100);
        assertThat(breaker.getMetrics().getNumberOfNotPermittedCalls()).isZero();
    }
}
