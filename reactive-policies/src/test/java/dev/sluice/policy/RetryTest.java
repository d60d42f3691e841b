package dev.sluice.policy;

import static dev.sluice.policy.TimeoutAndDeadlineTest.fixedBackoff;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;
import reactor.test.scheduler.VirtualTimeScheduler;

class RetryTest {

    private static final Duration VERIFY = Duration.ofSeconds(10);

    private VirtualTimeScheduler vts = VirtualTimeScheduler.create();
    private final AtomicInteger subscriptions = new AtomicInteger();
    private final List<Long> attemptTimesMillis = new CopyOnWriteArrayList<>();

    /** A source whose attempt {@code n} (1-based) fails with {@code errors[n-1]}, or emits "ok" past the array. */
    private Mono<String> source(Throwable... errors) {
        return Mono.defer(() -> {
            int n = subscriptions.incrementAndGet();
            attemptTimesMillis.add(vts.now(TimeUnit.MILLISECONDS));
            return n <= errors.length ? Mono.error(errors[n - 1]) : Mono.just("ok");
        });
    }

    private ResiliencePolicy policy(RetrySettings retry) {
        return ResiliencePolicy.builder("retrying").retry(retry).scheduler(vts).build();
    }

    @Test
    void retriesRetryableErrorsUntilAnAttemptSucceeds() {
        ResiliencePolicy policy = policy(fixedBackoff(3, Duration.ofMillis(10)));

        StepVerifier.withVirtualTime(
                        () -> source(new IOException("1"), new IOException("2")).transform(policy::apply),
                        () -> vts,
                        Long.MAX_VALUE)
                .expectSubscription()
                .thenAwait(Duration.ofMillis(20))
                .expectNext("ok")
                .expectComplete()
                .verify(VERIFY);

        assertThat(subscriptions).hasValue(3);
        assertThat(attemptTimesMillis).containsExactly(0L, 10L, 20L);
        assertThat(policy.counters().retries.sum()).isEqualTo(2);
    }

    @Test
    void exhaustionSignalsRetriesExhaustedWithTheLastFailureAsCause() {
        ResiliencePolicy policy = policy(fixedBackoff(3, Duration.ofMillis(10)));

        StepVerifier.withVirtualTime(
                        () -> source(new IOException("1"), new IOException("2"), new IOException("3"))
                                .transform(policy::apply),
                        () -> vts,
                        Long.MAX_VALUE)
                .expectSubscription()
                .thenAwait(Duration.ofMillis(20))
                .expectErrorSatisfies(e -> {
                    assertThat(e).isInstanceOf(RetriesExhaustedException.class);
                    assertThat(((RetriesExhaustedException) e).attempts()).isEqualTo(3);
                    assertThat(((RetriesExhaustedException) e).policy()).isEqualTo("retrying");
                    assertThat(e.getCause()).isInstanceOf(IOException.class).hasMessage("3");
                })
                .verify(VERIFY);

        assertThat(subscriptions).hasValue(3);
    }

    @Test
    void permanentErrorIsNotRetriedAndPassesThroughUnwrapped() {
        ResiliencePolicy policy = policy(fixedBackoff(5, Duration.ofMillis(10)));
        IllegalStateException bug = new IllegalStateException("bug");

        StepVerifier.withVirtualTime(() -> source(bug).transform(policy::apply), () -> vts, Long.MAX_VALUE)
                .expectSubscription()
                .expectErrorSatisfies(e -> assertThat(e).isSameAs(bug))
                .verify(VERIFY);

        vts.advanceTimeBy(Duration.ofSeconds(10));
        assertThat(subscriptions).hasValue(1);
    }

    @Test
    void ignoredErrorIsNotRetriedAndPassesThroughUnwrapped() {
        ResiliencePolicy policy = policy(fixedBackoff(5, Duration.ofMillis(10)));
        HttpStatusException notFound = new HttpStatusException(404);

        StepVerifier.withVirtualTime(() -> source(notFound).transform(policy::apply), () -> vts, Long.MAX_VALUE)
                .expectSubscription()
                .expectErrorSatisfies(e -> assertThat(e).isSameAs(notFound))
                .verify(VERIFY);

        vts.advanceTimeBy(Duration.ofSeconds(10));
        assertThat(subscriptions).hasValue(1);
    }

    @Test
    void errorOverriddenToPermanentIsNotRetried() {
        ResiliencePolicy policy = ResiliencePolicy.builder("override")
                .retry(fixedBackoff(5, Duration.ofMillis(10)))
                .classifier(ErrorClassifier.builder()
                        .permanent(java.io.FileNotFoundException.class)
                        .build())
                .scheduler(vts)
                .build();

        StepVerifier.withVirtualTime(
                        () -> source(new java.io.FileNotFoundException("gone")).transform(policy::apply),
                        () -> vts,
                        Long.MAX_VALUE)
                .expectSubscription()
                .expectError(java.io.FileNotFoundException.class)
                .verify(VERIFY);

        assertThat(subscriptions).hasValue(1);
    }

    @Test
    void singleAttemptReportsRetriesExhaustedForARetryableError() {
        ResiliencePolicy policy = policy(fixedBackoff(1, Duration.ofMillis(10)));

        StepVerifier.withVirtualTime(
                        () -> source(new IOException("once")).transform(policy::apply), () -> vts, Long.MAX_VALUE)
                .expectSubscription()
                .expectErrorSatisfies(e -> assertThat(e)
                        .isInstanceOf(RetriesExhaustedException.class)
                        .hasCauseInstanceOf(IOException.class))
                .verify(VERIFY);

        assertThat(subscriptions).hasValue(1);
    }

    @Test
    void exponentialBackoffWithoutJitterDoublesEachDelayUpToTheMaximum() {
        ResiliencePolicy policy = policy(RetrySettings.builder()
                .maxAttempts(5)
                .minBackoff(Duration.ofMillis(100))
                .maxBackoff(Duration.ofMillis(500))
                .multiplier(2)
                .jitter(0)
                .build());
        IOException e = new IOException("down");

        StepVerifier.withVirtualTime(() -> source(e, e, e, e, e).transform(policy::apply), () -> vts, Long.MAX_VALUE)
                .expectSubscription()
                .thenAwait(Duration.ofSeconds(2))
                .expectError(RetriesExhaustedException.class)
                .verify(VERIFY);

        // delays 100, 200, 400, then 800 capped at 500
        assertThat(attemptTimesMillis).containsExactly(0L, 100L, 300L, 700L, 1200L);
    }

    @Test
    void retryDelaysStayWithinJitterBounds() {
        RetrySettings retry = RetrySettings.builder()
                .maxAttempts(4)
                .minBackoff(Duration.ofMillis(100))
                .maxBackoff(Duration.ofSeconds(10))
                .multiplier(2)
                .jitter(0.5)
                .build();
        IOException e = new IOException("down");
        long[] lowestGap = {Long.MAX_VALUE, Long.MAX_VALUE, Long.MAX_VALUE};
        long[] highestGap = {0, 0, 0};

        for (int run = 0; run < 100; run++) {
            vts = VirtualTimeScheduler.create(); // StepVerifier disposes the one it used
            ResiliencePolicy policy = policy(retry);
            attemptTimesMillis.clear();
            subscriptions.set(0);
            StepVerifier.withVirtualTime(() -> source(e, e, e, e).transform(policy::apply), () -> vts, Long.MAX_VALUE)
                    .expectSubscription()
                    .thenAwait(Duration.ofSeconds(10))
                    .expectError(RetriesExhaustedException.class)
                    .verify(VERIFY);
            for (int i = 0; i < 3; i++) {
                long gap = attemptTimesMillis.get(i + 1) - attemptTimesMillis.get(i);
                lowestGap[i] = Math.min(lowestGap[i], gap);
                highestGap[i] = Math.max(highestGap[i], gap);
            }
        }

        // base 100, 200, 400 ms, each moved by up to ±50% but never below minBackoff
        assertThat(lowestGap[0]).isGreaterThanOrEqualTo(100);
        assertThat(highestGap[0]).isLessThanOrEqualTo(150).isGreaterThan(100);
        assertThat(lowestGap[1]).isGreaterThanOrEqualTo(100).isLessThan(200);
        assertThat(highestGap[1]).isLessThanOrEqualTo(300).isGreaterThan(200);
        assertThat(lowestGap[2]).isGreaterThanOrEqualTo(200).isLessThan(400);
        assertThat(highestGap[2]).isLessThanOrEqualTo(600).isGreaterThan(400);
    }

    @Test
    void retryAfterIsHonouredAsTheMinimumBackoff() {
        ResiliencePolicy policy = policy(fixedBackoff(3, Duration.ofMillis(10)));

        StepVerifier.withVirtualTime(
                        () -> source(new HttpStatusException(503, Duration.ofSeconds(2)))
                                .transform(policy::apply),
                        () -> vts,
                        Long.MAX_VALUE)
                .expectSubscription()
                .expectNoEvent(Duration.ofSeconds(2).minusNanos(1))
                .thenAwait(Duration.ofNanos(1))
                .expectNext("ok")
                .expectComplete()
                .verify(VERIFY);

        assertThat(attemptTimesMillis).containsExactly(0L, 2000L);
    }

    @Test
    void retryAfterBeyondTheDeadlineEndsTheCallAtOnce() {
        ResiliencePolicy policy = ResiliencePolicy.builder("retry-after-deadline")
                .retry(fixedBackoff(3, Duration.ofMillis(10)))
                .deadline(Duration.ofSeconds(1))
                .scheduler(vts)
                .build();

        StepVerifier.withVirtualTime(
                        () -> source(new HttpStatusException(429, Duration.ofSeconds(30)))
                                .transform(policy::apply),
                        () -> vts,
                        Long.MAX_VALUE)
                .expectSubscription()
                .expectErrorSatisfies(e -> assertThat(e)
                        .isInstanceOf(DeadlineExceededException.class)
                        .hasCauseInstanceOf(HttpStatusException.class))
                .verify(VERIFY);

        assertThat(subscriptions).hasValue(1);
    }

    @Test
    void cancellingDuringBackoffStopsFurtherAttempts() {
        ResiliencePolicy policy = policy(fixedBackoff(3, Duration.ofMillis(100)));

        StepVerifier.withVirtualTime(
                        () -> source(new IOException("1")).transform(policy::apply), () -> vts, Long.MAX_VALUE)
                .expectSubscription()
                .thenAwait(Duration.ofMillis(50))
                .thenCancel()
                .verify(VERIFY);

        vts.advanceTimeBy(Duration.ofSeconds(1));
        assertThat(subscriptions).hasValue(1);
    }
}
