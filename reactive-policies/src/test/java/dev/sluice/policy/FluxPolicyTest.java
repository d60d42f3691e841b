package dev.sluice.policy;

import static dev.sluice.policy.TimeoutAndDeadlineTest.fixedBackoff;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;
import reactor.test.scheduler.VirtualTimeScheduler;

class FluxPolicyTest {

    private static final Duration VERIFY = Duration.ofSeconds(10);

    private final VirtualTimeScheduler vts = VirtualTimeScheduler.create();
    private final AtomicInteger subscriptions = new AtomicInteger();

    @Test
    void timeoutAppliesToTheWholeFluxAttemptNotToEachItem() {
        ResiliencePolicy policy = ResiliencePolicy.builder("stream")
                .timeout(Duration.ofMillis(100))
                .retry(fixedBackoff(3, Duration.ofMillis(10)))
                .scheduler(vts)
                .build();
        AtomicBoolean cancelled = new AtomicBoolean();

        StepVerifier.withVirtualTime(
                        () -> Flux.interval(Duration.ofMillis(40), vts)
                                .take(5)
                                .doOnSubscribe(s -> subscriptions.incrementAndGet())
                                .doOnCancel(() -> cancelled.set(true))
                                .transform(policy::apply),
                        () -> vts,
                        Long.MAX_VALUE)
                .expectSubscription()
                .thenAwait(Duration.ofMillis(80))
                .expectNext(0L, 1L)
                .expectNoEvent(Duration.ofMillis(20).minusNanos(1))
                .thenAwait(Duration.ofNanos(1))
                .expectError(PolicyTimeoutException.class)
                .verify(VERIFY);

        // every gap (40 ms) is within the timeout; the stream as a whole is not; items went out, so no retry
        assertThat(cancelled).isTrue();
        assertThat(subscriptions).hasValue(1);
    }

    @Test
    void fluxIsRetriedWhenItFailsBeforeItsFirstItem() {
        ResiliencePolicy policy = ResiliencePolicy.builder("stream")
                .retry(fixedBackoff(3, Duration.ofMillis(10)))
                .scheduler(vts)
                .build();
        Flux<Integer> source = Flux.defer(
                () -> subscriptions.incrementAndGet() == 1 ? Flux.error(new IOException("1")) : Flux.just(1, 2, 3));

        StepVerifier.withVirtualTime(() -> source.transform(policy::apply), () -> vts, Long.MAX_VALUE)
                .expectSubscription()
                .thenAwait(Duration.ofMillis(10))
                .expectNext(1, 2, 3)
                .expectComplete()
                .verify(VERIFY);

        assertThat(subscriptions).hasValue(2);
    }

    @Test
    void fluxErrorAfterItsFirstItemPassesThroughWithoutRetryOrFallback() {
        AtomicBoolean fallbackRan = new AtomicBoolean();
        ResiliencePolicy policy = ResiliencePolicy.builder("stream")
                .retry(fixedBackoff(3, Duration.ofMillis(10)))
                .scheduler(vts)
                .fallback(failure -> {
                    fallbackRan.set(true);
                    return Flux.just(-1);
                })
                .build();
        IOException midStream = new IOException("mid-stream");
        Flux<Integer> source = Flux.defer(() -> {
            subscriptions.incrementAndGet();
            return Flux.just(1, 2).concatWith(Flux.error(midStream));
        });

        StepVerifier.withVirtualTime(() -> source.transform(policy::apply), () -> vts, Long.MAX_VALUE)
                .expectSubscription()
                .expectNext(1, 2)
                .expectErrorSatisfies(e -> assertThat(e).isSameAs(midStream))
                .verify(VERIFY);

        vts.advanceTimeBy(Duration.ofSeconds(1));
        assertThat(subscriptions).hasValue(1);
        assertThat(fallbackRan).isFalse();
    }

    // regression: the deadline ran the fallback after items had been emitted, appending its items to the stream
    @Test
    void deadlineAfterItemsWereEmittedSignalsTheErrorInsteadOfRunningTheFallback() {
        AtomicBoolean fallbackRan = new AtomicBoolean();
        ResiliencePolicy policy = ResiliencePolicy.builder("stream-deadline")
                .deadline(Duration.ofMillis(100))
                .scheduler(vts)
                .fallback(failure -> {
                    fallbackRan.set(true);
                    return Flux.just(-1L);
                })
                .build();

        StepVerifier.withVirtualTime(
                        () -> Flux.interval(Duration.ofMillis(40), vts).transform(policy::apply),
                        () -> vts,
                        Long.MAX_VALUE)
                .expectSubscription()
                .thenAwait(Duration.ofMillis(100))
                .expectNext(0L, 1L)
                .expectError(DeadlineExceededException.class)
                .verify(VERIFY);

        assertThat(fallbackRan).isFalse();
    }

    @Test
    void demandIsHonouredAcrossRetries() {
        ResiliencePolicy policy = ResiliencePolicy.builder("stream-demand")
                .retry(fixedBackoff(3, Duration.ofMillis(10)))
                .scheduler(vts)
                .build();
        List<Long> requestedOfSecondAttempt = new CopyOnWriteArrayList<>();
        Flux<Integer> source = Flux.defer(() -> subscriptions.incrementAndGet() == 1
                ? Flux.error(new IOException("1"))
                : Flux.range(1, 10).doOnRequest(requestedOfSecondAttempt::add));

        StepVerifier.withVirtualTime(() -> source.transform(policy::apply), () -> vts, 0)
                .expectSubscription()
                .thenRequest(2)
                .expectNoEvent(Duration.ofMillis(10).minusNanos(1))
                .thenAwait(Duration.ofNanos(1))
                .expectNext(1, 2)
                .expectNoEvent(Duration.ofSeconds(1))
                .thenRequest(3)
                .expectNext(3, 4, 5)
                .expectNoEvent(Duration.ofSeconds(1))
                .thenCancel()
                .verify(VERIFY);

        assertThat(requestedOfSecondAttempt).containsExactly(2L, 3L);
    }

    @Test
    void fluxFallbackReceivesTheOutstandingDemand() {
        ResiliencePolicy policy = ResiliencePolicy.builder("stream-fallback")
                .scheduler(vts)
                .fallback(failure -> Flux.range(100, 10))
                .build();

        StepVerifier.create(Flux.<Integer>error(new IOException("down")).transform(policy::apply), 0)
                .expectSubscription()
                .thenRequest(2)
                .expectNext(100, 101)
                .expectNoEvent(Duration.ofMillis(50))
                .thenRequest(1)
                .expectNext(102)
                .thenCancel()
                .verify(VERIFY);
    }

    @Test
    void bulkheadPermitIsHeldUntilTheFluxTerminatesAndTheBreakerRecordsOneCall() {
        ResiliencePolicy policy = ResiliencePolicy.builder("stream-permits")
                .bulkhead(1)
                .circuitBreaker(CircuitBreakerConfig.ofDefaults())
                .scheduler(vts)
                .build();

        StepVerifier.withVirtualTime(
                        () -> Flux.interval(Duration.ofMillis(10), vts).take(3).transform(policy::apply),
                        () -> vts,
                        Long.MAX_VALUE)
                .expectSubscription()
                .thenAwait(Duration.ofMillis(20))
                .expectNext(0L, 1L)
                .then(() -> assertThat(policy.bulkhead().getMetrics().getAvailableConcurrentCalls())
                        .isZero())
                .thenAwait(Duration.ofMillis(10))
                .expectNext(2L)
                .expectComplete()
                .verify(VERIFY);

        assertThat(policy.bulkhead().getMetrics().getAvailableConcurrentCalls()).isEqualTo(1);
        assertThat(policy.circuitBreaker().getMetrics().getNumberOfSuccessfulCalls())
                .isEqualTo(1);
    }
}
