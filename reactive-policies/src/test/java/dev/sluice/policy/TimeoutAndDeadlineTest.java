package dev.sluice.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;
import reactor.test.scheduler.VirtualTimeScheduler;

class TimeoutAndDeadlineTest {

    private static final Duration VERIFY = Duration.ofSeconds(10);

    private final VirtualTimeScheduler vts = VirtualTimeScheduler.create();

    @Test
    void timeoutFiresAtExactlyTheDurationAndCancelsTheAttempt() {
        ResiliencePolicy policy = ResiliencePolicy.builder("slow-dependency")
                .timeout(Duration.ofMillis(100))
                .scheduler(vts)
                .build();
        AtomicBoolean cancelled = new AtomicBoolean();

        StepVerifier.withVirtualTime(
                        () -> Mono.never().doOnCancel(() -> cancelled.set(true)).transform(policy::apply),
                        () -> vts,
                        Long.MAX_VALUE)
                .expectSubscription()
                .expectNoEvent(Duration.ofMillis(100).minusNanos(1))
                .then(() -> assertThat(cancelled).isFalse())
                .thenAwait(Duration.ofNanos(1))
                .expectErrorSatisfies(e -> assertThat(e)
                        .isInstanceOf(PolicyTimeoutException.class)
                        .isInstanceOf(TimeoutException.class)
                        .hasMessageContaining("slow-dependency")
                        .hasMessageContaining("100 ms"))
                .verify(VERIFY);

        assertThat(cancelled).isTrue();
        assertThat(policy.counters().timeouts.sum()).isEqualTo(1);
    }

    @Test
    void valueJustBeforeTheTimeoutIsDelivered() {
        ResiliencePolicy policy = ResiliencePolicy.builder("just-in-time")
                .timeout(Duration.ofMillis(100))
                .scheduler(vts)
                .build();

        StepVerifier.withVirtualTime(
                        () -> Mono.delay(Duration.ofMillis(100).minusNanos(1), vts)
                                .transform(policy::apply),
                        () -> vts,
                        Long.MAX_VALUE)
                .expectSubscription()
                .thenAwait(Duration.ofMillis(100).minusNanos(1))
                .expectNext(0L)
                .expectComplete()
                .verify(VERIFY);

        vts.advanceTimeBy(Duration.ofSeconds(1));
        assertThat(policy.counters().timeouts.sum()).isZero();
    }

    @Test
    void timeoutCountsAsCircuitBreakerFailure() {
        ResiliencePolicy policy = ResiliencePolicy.builder("timeout-breaker")
                .timeout(Duration.ofMillis(100))
                .circuitBreaker(CircuitBreakerConfig.custom()
                        .slidingWindowSize(1)
                        .minimumNumberOfCalls(1)
                        .build())
                .scheduler(vts)
                .build();

        StepVerifier.withVirtualTime(() -> Mono.never().transform(policy::apply), () -> vts, Long.MAX_VALUE)
                .expectSubscription()
                .thenAwait(Duration.ofMillis(100))
                .expectError(PolicyTimeoutException.class)
                .verify(VERIFY);

        assertThat(policy.circuitBreaker().getMetrics().getNumberOfFailedCalls())
                .isEqualTo(1);
        assertThat(policy.circuitBreaker().getState()).isEqualTo(CircuitBreaker.State.OPEN);
    }

    @Test
    void deadlineCutsRetriesWhenTheNextBackoffWouldEndPastIt() {
        ResiliencePolicy policy = ResiliencePolicy.builder("budget")
                .deadline(Duration.ofMillis(250))
                .retry(fixedBackoff(10, Duration.ofMillis(100)))
                .scheduler(vts)
                .build();
        AtomicInteger subscriptions = new AtomicInteger();
        Mono<String> failing = Mono.defer(() -> {
            int n = subscriptions.incrementAndGet();
            return Mono.error(new IOException("attempt " + n));
        });

        StepVerifier.withVirtualTime(() -> failing.transform(policy::apply), () -> vts, Long.MAX_VALUE)
                .expectSubscription()
                .expectNoEvent(Duration.ofMillis(200).minusNanos(1))
                .thenAwait(Duration.ofNanos(1))
                .expectErrorSatisfies(e -> {
                    assertThat(e).isInstanceOf(DeadlineExceededException.class);
                    assertThat(((DeadlineExceededException) e).attempts()).isEqualTo(3);
                    assertThat(e.getCause()).isInstanceOf(IOException.class).hasMessage("attempt 3");
                })
                .verify(VERIFY);

        // attempts at 0, 100 and 200 ms; the one at 300 ms would start past the 250 ms deadline
        assertThat(subscriptions).hasValue(3);
        assertThat(vts.now(TimeUnit.MILLISECONDS)).isEqualTo(200);
    }

    @Test
    void deadlineExpiringDuringAnAttemptCancelsItWithoutRecordingABreakerFailure() {
        ResiliencePolicy policy = ResiliencePolicy.builder("budget-in-attempt")
                .deadline(Duration.ofMillis(150))
                .circuitBreaker(CircuitBreakerConfig.ofDefaults())
                .bulkhead(1)
                .scheduler(vts)
                .build();
        AtomicBoolean cancelled = new AtomicBoolean();

        StepVerifier.withVirtualTime(
                        () -> Mono.never().doOnCancel(() -> cancelled.set(true)).transform(policy::apply),
                        () -> vts,
                        Long.MAX_VALUE)
                .expectSubscription()
                .expectNoEvent(Duration.ofMillis(150).minusNanos(1))
                .thenAwait(Duration.ofNanos(1))
                .expectErrorSatisfies(e -> {
                    assertThat(e).isInstanceOf(DeadlineExceededException.class).hasNoCause();
                    assertThat(((DeadlineExceededException) e).attempts()).isEqualTo(1);
                })
                .verify(VERIFY);

        assertThat(cancelled).isTrue();
        assertThat(policy.circuitBreaker().getMetrics().getNumberOfBufferedCalls())
                .isZero();
        assertThat(policy.bulkhead().getMetrics().getAvailableConcurrentCalls()).isEqualTo(1);
    }

    @Test
    void deadlineShorterThanTheTimeoutEndsTheAttemptFirst() {
        ResiliencePolicy policy = ResiliencePolicy.builder("deadline-first")
                .timeout(Duration.ofMillis(100))
                .deadline(Duration.ofMillis(60))
                .scheduler(vts)
                .build();

        StepVerifier.withVirtualTime(() -> Mono.never().transform(policy::apply), () -> vts, Long.MAX_VALUE)
                .expectSubscription()
                .expectNoEvent(Duration.ofMillis(60).minusNanos(1))
                .thenAwait(Duration.ofNanos(1))
                .expectError(DeadlineExceededException.class)
                .verify(VERIFY);
    }

    @Test
    void retryAttemptGetsOnlyTheRemainingBudgetAsItsTimer() {
        ResiliencePolicy policy = ResiliencePolicy.builder("remaining-budget")
                .timeout(Duration.ofMillis(100))
                .deadline(Duration.ofMillis(180))
                .retry(fixedBackoff(3, Duration.ofMillis(10)))
                .scheduler(vts)
                .build();
        AtomicInteger subscriptions = new AtomicInteger();
        Mono<Object> hanging = Mono.never().doOnSubscribe(s -> subscriptions.incrementAndGet());

        StepVerifier.withVirtualTime(() -> hanging.transform(policy::apply), () -> vts, Long.MAX_VALUE)
                .expectSubscription()
                // first attempt times out at 100, retry starts at 110 with 70 ms of budget left
                .expectNoEvent(Duration.ofMillis(180).minusNanos(1))
                .thenAwait(Duration.ofNanos(1))
                .expectErrorSatisfies(e -> assertThat(e)
                        .isInstanceOf(DeadlineExceededException.class)
                        .as("cause: the failure of the last completed attempt")
                        .hasCauseInstanceOf(PolicyTimeoutException.class))
                .verify(VERIFY);

        assertThat(subscriptions).hasValue(2);
        assertThat(policy.counters().timeouts.sum()).isEqualTo(1);
    }

    static RetrySettings fixedBackoff(int maxAttempts, Duration backoff) {
        return RetrySettings.builder()
                .maxAttempts(maxAttempts)
                .backoff(Backoff.FIXED)
                .minBackoff(backoff)
                .maxBackoff(backoff)
                .jitter(0)
                .build();
    }
}
