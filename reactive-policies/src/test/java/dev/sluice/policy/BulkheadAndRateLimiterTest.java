package dev.sluice.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.resilience4j.bulkhead.BulkheadFullException;
import io.github.resilience4j.ratelimiter.RequestNotPermitted;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.test.StepVerifier;
import reactor.test.scheduler.VirtualTimeScheduler;

class BulkheadAndRateLimiterTest {

    private static final Duration VERIFY = Duration.ofSeconds(10);

    private final VirtualTimeScheduler vts = VirtualTimeScheduler.create();
    private final AtomicInteger subscriptions = new AtomicInteger();

    private Mono<String> counted(Mono<String> source) {
        return source.doOnSubscribe(s -> subscriptions.incrementAndGet());
    }

    @Test
    void bulkheadRejectsCallsBeyondMaxConcurrentWithoutSubscribingThem() {
        ResiliencePolicy policy =
                ResiliencePolicy.builder("pool").bulkhead(2).scheduler(vts).build();
        Disposable first = counted(Mono.never()).transform(policy::apply).subscribe();
        Disposable second = counted(Mono.never()).transform(policy::apply).subscribe();

        StepVerifier.create(counted(Mono.just("third")).transform(policy::apply))
                .expectErrorSatisfies(e ->
                        assertThat(e).isInstanceOf(BulkheadFullException.class).hasMessageContaining("pool"))
                .verify(VERIFY);

        assertThat(subscriptions).hasValue(2);
        assertThat(policy.bulkhead().getMetrics().getAvailableConcurrentCalls()).isZero();
        assertThat(policy.counters().rejected.sum()).isEqualTo(1);
        first.dispose();
        second.dispose();
    }

    @Test
    void bulkheadReleasesItsPermitWhenTheCallIsCancelled() {
        ResiliencePolicy policy =
                ResiliencePolicy.builder("pool").bulkhead(1).scheduler(vts).build();
        Disposable held = Mono.never().transform(policy::apply).subscribe();
        int whileHeld = policy.bulkhead().getMetrics().getAvailableConcurrentCalls();

        held.dispose();

        assertThat(whileHeld).isZero();
        assertThat(policy.bulkhead().getMetrics().getAvailableConcurrentCalls()).isEqualTo(1);
        StepVerifier.create(Mono.just("next").transform(policy::apply))
                .expectNext("next")
                .expectComplete()
                .verify(VERIFY);
    }

    @Test
    void bulkheadReleasesItsPermitWhenTheAttemptTimesOut() {
        ResiliencePolicy policy = ResiliencePolicy.builder("pool")
                .bulkhead(1)
                .timeout(Duration.ofMillis(100))
                .scheduler(vts)
                .build();

        StepVerifier.withVirtualTime(() -> Mono.never().transform(policy::apply), () -> vts, Long.MAX_VALUE)
                .expectSubscription()
                .then(() -> assertThat(policy.bulkhead().getMetrics().getAvailableConcurrentCalls())
                        .isZero())
                .thenAwait(Duration.ofMillis(100))
                .expectError(PolicyTimeoutException.class)
                .verify(VERIFY);

        assertThat(policy.bulkhead().getMetrics().getAvailableConcurrentCalls()).isEqualTo(1);
    }

    @Test
    void bulkheadPermitIsHeldPerAttemptAndReleasedBetweenRetries() {
        ResiliencePolicy policy = ResiliencePolicy.builder("pool")
                .bulkhead(1)
                .retry(TimeoutAndDeadlineTest.fixedBackoff(2, Duration.ofMillis(100)))
                .scheduler(vts)
                .build();
        Sinks.One<String> attempt2 = Sinks.one();
        Mono<String> source = Mono.defer(
                () -> subscriptions.incrementAndGet() == 1 ? Mono.error(new IOException("1")) : attempt2.asMono());

        StepVerifier.withVirtualTime(() -> source.transform(policy::apply), () -> vts, Long.MAX_VALUE)
                .expectSubscription()
                .then(() -> assertThat(policy.bulkhead().getMetrics().getAvailableConcurrentCalls())
                        .as("free during the backoff")
                        .isEqualTo(1))
                .thenAwait(Duration.ofMillis(100))
                .then(() -> assertThat(policy.bulkhead().getMetrics().getAvailableConcurrentCalls())
                        .as("held by the second attempt")
                        .isZero())
                .then(() -> attempt2.tryEmitValue("ok"))
                .expectNext("ok")
                .expectComplete()
                .verify(VERIFY);

        assertThat(policy.bulkhead().getMetrics().getAvailableConcurrentCalls()).isEqualTo(1);
    }

    @Test
    void bulkheadRejectionIsNotRetried() {
        ResiliencePolicy policy = ResiliencePolicy.builder("pool")
                .bulkhead(1)
                .retry(5)
                .scheduler(vts)
                .build();
        Disposable held = Mono.never().transform(policy::apply).subscribe();

        StepVerifier.withVirtualTime(() -> counted(Mono.just("x")).transform(policy::apply), () -> vts, Long.MAX_VALUE)
                .expectSubscription()
                .expectError(BulkheadFullException.class)
                .verify(VERIFY);

        vts.advanceTimeBy(Duration.ofMinutes(1));
        assertThat(subscriptions).hasValue(0);
        assertThat(policy.counters().retries.sum()).isZero();
        held.dispose();
    }

    @Test
    void rateLimiterRejectsCallsBeyondTheLimitForPeriod() {
        ResiliencePolicy policy = ResiliencePolicy.builder("limited")
                .rateLimiter(2, Duration.ofHours(1))
                .scheduler(vts)
                .build();

        for (int i = 0; i < 2; i++) {
            StepVerifier.create(counted(Mono.just("ok")).transform(policy::apply))
                    .expectNext("ok")
                    .expectComplete()
                    .verify(VERIFY);
        }
        StepVerifier.create(counted(Mono.just("ok")).transform(policy::apply))
                .expectErrorSatisfies(e ->
                        assertThat(e).isInstanceOf(RequestNotPermitted.class).hasMessageContaining("limited"))
                .verify(VERIFY);

        assertThat(subscriptions).hasValue(2);
    }

    @Test
    void rateLimiterSpendsOnePermitPerAttempt() {
        ResiliencePolicy policy = ResiliencePolicy.builder("limited-retries")
                .rateLimiter(2, Duration.ofHours(1))
                .retry(TimeoutAndDeadlineTest.fixedBackoff(5, Duration.ofMillis(10)))
                .scheduler(vts)
                .build();
        Mono<String> failing = Mono.defer(() -> {
            subscriptions.incrementAndGet();
            return Mono.error(new IOException("down"));
        });

        StepVerifier.withVirtualTime(() -> failing.transform(policy::apply), () -> vts, Long.MAX_VALUE)
                .expectSubscription()
                .thenAwait(Duration.ofSeconds(1))
                .expectError(RequestNotPermitted.class)
                .verify(VERIFY);

        assertThat(subscriptions).hasValue(2);
    }

    @Test
    void waitingBulkheadsAndRateLimitersAreRefusedByTheBuilder() {
        ResiliencePolicy.Builder builder = ResiliencePolicy.builder("waiting");

        org.assertj.core.api.Assertions.assertThatIllegalArgumentException()
                .isThrownBy(() -> builder.bulkhead(io.github.resilience4j.bulkhead.BulkheadConfig.custom()
                        .maxWaitDuration(Duration.ofMillis(1))
                        .build()))
                .withMessageContaining("maxWaitDuration must be 0");
        org.assertj.core.api.Assertions.assertThatIllegalArgumentException()
                .isThrownBy(() -> builder.rateLimiter(io.github.resilience4j.ratelimiter.RateLimiterConfig.custom()
                        .timeoutDuration(Duration.ofMillis(1))
                        .build()))
                .withMessageContaining("timeoutDuration must be 0");
    }
}
