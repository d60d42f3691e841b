package dev.sluice.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;
import reactor.test.scheduler.VirtualTimeScheduler;

/** Hedging as Polly v8 documents it, under virtual time: every timer of the policy runs on {@link #vts}. */
class HedgingTest {

    private static final Duration VERIFY = Duration.ofSeconds(10);
    private static final Duration DELAY = Duration.ofMillis(100);

    private final VirtualTimeScheduler vts = VirtualTimeScheduler.create();
    private final AtomicInteger subscriptions = new AtomicInteger();
    private final Set<Integer> cancelled = ConcurrentHashMap.newKeySet();

    /** A source whose n-th subscription (1-based: 1 is the primary of the first round) behaves as {@code attempt}. */
    private Mono<String> attempts(IntFunction<Mono<String>> attempt) {
        return Mono.defer(() -> {
            int n = subscriptions.incrementAndGet();
            return attempt.apply(n).doOnCancel(() -> cancelled.add(n));
        });
    }

    private Mono<String> valueAfter(Duration delay, int n) {
        return Mono.delay(delay, vts).thenReturn("attempt " + n);
    }

    private Mono<String> failureAfter(Duration delay, Throwable error) {
        return Mono.delay(delay, vts).then(Mono.error(error));
    }

    private ResiliencePolicy.Builder policy(String name) {
        return ResiliencePolicy.builder(name).scheduler(vts);
    }

    @Test
    void primaryFasterThanTheDelayStartsNoHedge() {
        ResiliencePolicy policy = policy("fast").hedge(1, DELAY).build();
        Mono<String> source = attempts(n -> valueAfter(DELAY.minusNanos(1), n));

        StepVerifier.withVirtualTime(() -> source.transform(policy::apply), () -> vts, Long.MAX_VALUE)
                .expectSubscription()
                .thenAwait(DELAY.minusNanos(1))
                .expectNext("attempt 1")
                .expectComplete()
                .verify(VERIFY);

        vts.advanceTimeBy(Duration.ofSeconds(10));
        assertThat(subscriptions).hasValue(1);
        assertThat(policy.counters().hedges.sum()).isZero();
    }

    @Test
    void slowPrimaryGetsAHedgeAtExactlyTheDelayAndTheFasterHedgeWins() {
        ResiliencePolicy policy = policy("slow").hedge(1, DELAY).build();
        Mono<String> source = attempts(n -> n == 1 ? Mono.never() : valueAfter(Duration.ofMillis(50), n));

        StepVerifier.withVirtualTime(() -> source.transform(policy::apply), () -> vts, Long.MAX_VALUE)
                .expectSubscription()
                .expectNoEvent(DELAY.minusNanos(1))
                .then(() -> assertThat(subscriptions).hasValue(1))
                .thenAwait(Duration.ofNanos(1))
                .then(() -> assertThat(subscriptions).hasValue(2))
                .expectNoEvent(Duration.ofMillis(50).minusNanos(1))
                .thenAwait(Duration.ofNanos(1))
                .expectNext("attempt 2")
                .expectComplete()
                .verify(VERIFY);

        assertThat(cancelled).containsExactly(1);
        assertThat(policy.counters().hedges.sum()).isEqualTo(1);
        assertThat(policy.counters().hedgesWon.sum()).isEqualTo(1);
        assertThat(policy.counters().success.sum()).isEqualTo(1);
    }

    @Test
    void winnerCancelsEveryOtherAttemptAndNoFurtherHedgeStarts() {
        ResiliencePolicy policy = policy("winner").hedge(3, DELAY).build();
        // attempts start at 0, 100 and 200 ms; the third answers at 250 ms, before a fourth would start at 300 ms
        Mono<String> source = attempts(n -> n == 3 ? valueAfter(Duration.ofMillis(50), n) : Mono.never());

        StepVerifier.withVirtualTime(() -> source.transform(policy::apply), () -> vts, Long.MAX_VALUE)
                .expectSubscription()
                .expectNoEvent(Duration.ofMillis(250).minusNanos(1))
                .thenAwait(Duration.ofNanos(1))
                .expectNext("attempt 3")
                .expectComplete()
                .verify(VERIFY);

        vts.advanceTimeBy(Duration.ofSeconds(10));
        assertThat(subscriptions).hasValue(3);
        assertThat(cancelled).containsExactlyInAnyOrder(1, 2);
    }

    @Test
    void zeroDelayStartsEveryAttemptAtOnce() {
        ResiliencePolicy policy = policy("parallel").hedge(2, Duration.ZERO).build();
        Mono<String> source = attempts(n -> valueAfter(Duration.ofMillis(n == 2 ? 10 : 30), n));

        StepVerifier.withVirtualTime(() -> source.transform(policy::apply), () -> vts, Long.MAX_VALUE)
                .expectSubscription()
                .then(() -> assertThat(subscriptions).hasValue(3))
                .expectNoEvent(Duration.ofMillis(10).minusNanos(1))
                .thenAwait(Duration.ofNanos(1))
                .expectNext("attempt 2")
                .expectComplete()
                .verify(VERIFY);

        assertThat(cancelled).containsExactlyInAnyOrder(1, 3);
        assertThat(policy.counters().hedges.sum()).isEqualTo(2);
    }

    @Test
    void whenEveryAttemptFailsTheCallFailsWithThePrimarysFailure() {
        ResiliencePolicy policy = policy("all-fail").hedge(2, Duration.ZERO).build();
        // the primary fails last, so its failure is neither the first nor the last one seen by chance
        Mono<String> source =
                attempts(n -> failureAfter(Duration.ofMillis(n == 1 ? 30 : 10 * n), new IOException("attempt " + n)));

        StepVerifier.withVirtualTime(() -> source.transform(policy::apply), () -> vts, Long.MAX_VALUE)
                .expectSubscription()
                .expectNoEvent(Duration.ofMillis(30).minusNanos(1))
                .thenAwait(Duration.ofNanos(1))
                .expectErrorSatisfies(
                        e -> assertThat(e).isInstanceOf(IOException.class).hasMessage("attempt 1"))
                .verify(VERIFY);

        assertThat(subscriptions).hasValue(3);
        assertThat(policy.counters().failed.sum()).isEqualTo(1);
    }

    @Test
    void retryableFailureStartsTheNextHedgeAtOnceWithoutWaitingForTheDelay() {
        ResiliencePolicy policy =
                policy("handled").hedge(1, Duration.ofSeconds(1)).build();
        Mono<String> source = attempts(n -> n == 1
                ? failureAfter(Duration.ofMillis(10), new IOException("attempt 1"))
                : valueAfter(Duration.ofMillis(10), n));

        StepVerifier.withVirtualTime(() -> source.transform(policy::apply), () -> vts, Long.MAX_VALUE)
                .expectSubscription()
                .expectNoEvent(Duration.ofMillis(20).minusNanos(1))
                .thenAwait(Duration.ofNanos(1))
                .expectNext("attempt 2")
                .expectComplete()
                .verify(VERIFY);
    }

    @Test
    void nonRetryableFailureIsAnAcceptableOutcomeAndEndsTheRoundAtOnce() {
        ResiliencePolicy policy = policy("permanent").hedge(1, DELAY).build();
        Mono<String> source =
                attempts(n -> n == 1 ? Mono.never() : Mono.error(new IllegalStateException("attempt " + n)));

        StepVerifier.withVirtualTime(() -> source.transform(policy::apply), () -> vts, Long.MAX_VALUE)
                .expectSubscription()
                .expectNoEvent(DELAY.minusNanos(1))
                .thenAwait(Duration.ofNanos(1))
                .expectErrorSatisfies(e ->
                        assertThat(e).isInstanceOf(IllegalStateException.class).hasMessage("attempt 2"))
                .verify(VERIFY);

        assertThat(cancelled).containsExactly(1);
    }

    @Test
    void retryIsOutsideTheHedgeAndRepeatsTheWholeRound() {
        AtomicReference<Failure> seen = new AtomicReference<>();
        ResiliencePolicy policy = policy("retry-outside")
                .retry(fixedBackoff(2, Duration.ofMillis(50)))
                .hedge(1, Duration.ZERO)
                .fallback(failure -> {
                    seen.set(failure);
                    return Mono.just("fallback");
                })
                .build();
        Mono<String> source = attempts(n -> Mono.error(new IOException("attempt " + n)));

        StepVerifier.withVirtualTime(() -> source.transform(policy::apply), () -> vts, Long.MAX_VALUE)
                .expectSubscription()
                .then(() -> assertThat(subscriptions).hasValue(2))
                .expectNoEvent(Duration.ofMillis(50).minusNanos(1))
                .thenAwait(Duration.ofNanos(1))
                .expectNext("fallback")
                .expectComplete()
                .verify(VERIFY);

        // two rounds of a primary and a hedge; the fallback sees the second round's primary failure
        assertThat(subscriptions).hasValue(4);
        assertThat(seen.get().error()).isInstanceOf(IOException.class).hasMessage("attempt 3");
        assertThat(seen.get().attempts()).isEqualTo(2);
        assertThat(policy.counters().retries.sum()).isEqualTo(1);
        assertThat(policy.counters().hedges.sum()).isEqualTo(2);
    }

    @Test
    void retriesExhaustedCarriesThePrimarysFailureOfTheLastRound() {
        ResiliencePolicy policy = policy("exhausted")
                .retry(fixedBackoff(2, Duration.ofMillis(50)))
                .hedge(1, Duration.ZERO)
                .build();
        Mono<String> source = attempts(n -> Mono.error(new IOException("attempt " + n)));

        StepVerifier.withVirtualTime(() -> source.transform(policy::apply), () -> vts, Long.MAX_VALUE)
                .expectSubscription()
                .thenAwait(Duration.ofMillis(50))
                .expectErrorSatisfies(e -> {
                    assertThat(e).isInstanceOf(RetriesExhaustedException.class);
                    assertThat(((RetriesExhaustedException) e).attempts()).isEqualTo(2);
                    assertThat(e.getCause()).isInstanceOf(IOException.class).hasMessage("attempt 3");
                })
                .verify(VERIFY);
    }

    @Test
    void breakerRecordsEveryHedgedAttemptButNotTheCancelledOnes() {
        ResiliencePolicy policy = policy("breaker")
                .circuitBreaker(CircuitBreakerConfig.custom()
                        .slidingWindowSize(100)
                        .minimumNumberOfCalls(100)
                        .build())
                .hedge(2, DELAY)
                .build();
        // the primary hangs; the first hedge (100 ms) fails at once, so the second starts at once and answers
        Mono<String> source = attempts(n -> switch (n) {
            case 1 -> Mono.never();
            case 2 -> Mono.error(new IOException("attempt 2"));
            default -> valueAfter(Duration.ofMillis(50), n);
        });

        StepVerifier.withVirtualTime(() -> source.transform(policy::apply), () -> vts, Long.MAX_VALUE)
                .expectSubscription()
                .expectNoEvent(Duration.ofMillis(150).minusNanos(1))
                .thenAwait(Duration.ofNanos(1))
                .expectNext("attempt 3")
                .expectComplete()
                .verify(VERIFY);

        CircuitBreaker.Metrics metrics = policy.circuitBreaker().getMetrics();
        assertThat(cancelled).containsExactly(1);
        assertThat(metrics.getNumberOfFailedCalls()).isEqualTo(1);
        assertThat(metrics.getNumberOfSuccessfulCalls()).isEqualTo(1);
        assertThat(metrics.getNumberOfBufferedCalls())
                .as("the cancelled primary is not recorded")
                .isEqualTo(2);
    }

    @Test
    void cancelledLosersReleaseTheirBulkheadPermits() {
        ResiliencePolicy policy =
                policy("bulkhead").bulkhead(3).hedge(2, Duration.ZERO).build();
        Mono<String> source = attempts(n -> n == 2 ? valueAfter(Duration.ofMillis(10), n) : Mono.never());

        StepVerifier.withVirtualTime(() -> source.transform(policy::apply), () -> vts, Long.MAX_VALUE)
                .expectSubscription()
                .then(() -> assertThat(policy.bulkhead().getMetrics().getAvailableConcurrentCalls())
                        .isZero())
                .thenAwait(Duration.ofMillis(10))
                .expectNext("attempt 2")
                .expectComplete()
                .verify(VERIFY);

        assertThat(cancelled).containsExactlyInAnyOrder(1, 3);
        assertThat(policy.bulkhead().getMetrics().getAvailableConcurrentCalls()).isEqualTo(3);
    }

    @Test
    void downstreamCancelCancelsEveryAttemptAndTheDelayTimer() {
        ResiliencePolicy policy = policy("cancel")
                .bulkhead(3)
                .circuitBreaker(CircuitBreakerConfig.custom()
                        .slidingWindowSize(100)
                        .minimumNumberOfCalls(100)
                        .build())
                .hedge(2, DELAY)
                .build();
        Mono<String> source = attempts(n -> Mono.never());

        Disposable call = source.transform(policy::apply).subscribe();
        vts.advanceTimeBy(Duration.ofMillis(150));
        call.dispose();
        vts.advanceTimeBy(Duration.ofSeconds(10));

        assertThat(subscriptions).as("no hedge after the cancel").hasValue(2);
        assertThat(cancelled).containsExactlyInAnyOrder(1, 2);
        assertThat(policy.bulkhead().getMetrics().getAvailableConcurrentCalls()).isEqualTo(3);
        assertThat(policy.circuitBreaker().getMetrics().getNumberOfBufferedCalls())
                .isZero();
    }

    @Test
    void hedgeRefusedByAFullBulkheadStartsNoMoreAndTheCallGoesOn() {
        ResiliencePolicy policy = policy("refused").bulkhead(1).hedge(2, DELAY).build();
        Mono<String> source = attempts(n -> valueAfter(Duration.ofMillis(250), n));

        StepVerifier.withVirtualTime(() -> source.transform(policy::apply), () -> vts, Long.MAX_VALUE)
                .expectSubscription()
                .expectNoEvent(Duration.ofMillis(250).minusNanos(1))
                .thenAwait(Duration.ofNanos(1))
                .expectNext("attempt 1")
                .expectComplete()
                .verify(VERIFY);

        assertThat(subscriptions).hasValue(1);
        assertThat(policy.counters().hedges.sum()).isZero();
        assertThat(policy.bulkhead().getMetrics().getAvailableConcurrentCalls()).isEqualTo(1);
    }

    @Test
    void eachHedgedAttemptHasItsOwnTimeout() {
        ResiliencePolicy policy = policy("timeouts")
                .timeout(Duration.ofMillis(150))
                .hedge(1, DELAY)
                .build();
        Mono<String> source = attempts(n -> Mono.never());

        // primary times out at 150 ms, the hedge (started at 100 ms) at 250 ms: the round then fails
        StepVerifier.withVirtualTime(() -> source.transform(policy::apply), () -> vts, Long.MAX_VALUE)
                .expectSubscription()
                .expectNoEvent(Duration.ofMillis(250).minusNanos(1))
                .thenAwait(Duration.ofNanos(1))
                .expectError(PolicyTimeoutException.class)
                .verify(VERIFY);

        assertThat(policy.counters().timeouts.sum()).isEqualTo(2);
        assertThat(cancelled).containsExactlyInAnyOrder(1, 2);
    }

    @Test
    void deadlineEndsEveryAttemptOfTheRound() {
        ResiliencePolicy policy = policy("deadline")
                .deadline(Duration.ofMillis(250))
                .bulkhead(3)
                .hedge(2, DELAY)
                .build();
        Mono<String> source = attempts(n -> Mono.never());

        StepVerifier.withVirtualTime(() -> source.transform(policy::apply), () -> vts, Long.MAX_VALUE)
                .expectSubscription()
                .expectNoEvent(Duration.ofMillis(250).minusNanos(1))
                .thenAwait(Duration.ofNanos(1))
                .expectError(DeadlineExceededException.class)
                .verify(VERIFY);

        assertThat(cancelled).containsExactlyInAnyOrder(1, 2, 3);
        assertThat(policy.bulkhead().getMetrics().getAvailableConcurrentCalls()).isEqualTo(3);
    }

    @Test
    void fluxIsRefusedWithAClearErrorAndNotSubscribed() {
        ResiliencePolicy policy = policy("flux").hedge(1, DELAY).build();
        AtomicInteger fluxSubscriptions = new AtomicInteger();

        StepVerifier.create(policy.apply(Flux.just(1, 2).doOnSubscribe(s -> fluxSubscriptions.incrementAndGet())))
                .expectErrorSatisfies(e -> assertThat(e)
                        .isInstanceOf(IllegalStateException.class)
                        .hasMessageContaining("policy 'flux' hedges")
                        .hasMessageContaining("Mono only"))
                .verify(VERIFY);

        assertThat(fluxSubscriptions).hasValue(0);
    }

    @Test
    void exposesItsHedgeSoThatTheBusCanRefuseItForOrderedSubscribers() {
        ResiliencePolicy hedging = policy("hedging").hedge(2, DELAY).build();
        ResiliencePolicy plain = policy("plain").retry(3).build();

        assertThat(hedging.hedge().maxHedgedAttempts()).isEqualTo(2);
        assertThat(hedging.hedge().delay()).isEqualTo(DELAY);
        assertThat(plain.hedge()).isNull();
    }

    @Test
    void countsHedgesAndHedgeWinsAsDocumentedMeters() {
        ResiliencePolicy policy = policy("inventory").hedge(1, DELAY).build();
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        PolicyMetrics.of(policy).bindTo(meters);
        Mono<String> source = attempts(n -> n == 1 ? Mono.never() : Mono.just("attempt " + n));

        StepVerifier.withVirtualTime(() -> source.transform(policy::apply), () -> vts, Long.MAX_VALUE)
                .expectSubscription()
                .thenAwait(DELAY)
                .expectNext("attempt 2")
                .expectComplete()
                .verify(VERIFY);

        for (PolicyMeters meter : List.of(PolicyMeters.HEDGES, PolicyMeters.HEDGES_WON)) {
            assertThat(meters.get(meter.doc().name())
                            .tag("policy", "inventory")
                            .functionCounter()
                            .count())
                    .as(meter.doc().name())
                    .isEqualTo(1);
        }
    }

    @Test
    void settingsRejectValuesOutsidePollysRangeNamingThem() {
        assertThatThrownBy(() -> HedgeSettings.builder().maxHedgedAttempts(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maxHedgedAttempts must be in [1, 10], but was 0");
        assertThatThrownBy(() -> HedgeSettings.builder().maxHedgedAttempts(11))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maxHedgedAttempts must be in [1, 10], but was 11");
        assertThatThrownBy(() -> HedgeSettings.builder().delay(Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("delay must be >= 0, but was PT-0.001S");
        assertThat(HedgeSettings.ofDefaults().maxHedgedAttempts()).isEqualTo(1);
        assertThat(HedgeSettings.ofDefaults().delay()).isEqualTo(Duration.ofSeconds(2));
    }

    private static RetrySettings fixedBackoff(int maxAttempts, Duration backoff) {
        return RetrySettings.builder()
                .maxAttempts(maxAttempts)
                .backoff(Backoff.FIXED)
                .minBackoff(backoff)
                .maxBackoff(backoff)
                .jitter(0)
                .build();
    }
}
