package dev.sluice.policy;

import static dev.sluice.policy.TimeoutAndDeadlineTest.fixedBackoff;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;
import reactor.test.scheduler.VirtualTimeScheduler;

class FallbackTest {

    private static final Duration VERIFY = Duration.ofSeconds(10);

    private final VirtualTimeScheduler vts = VirtualTimeScheduler.create();
    private final AtomicInteger subscriptions = new AtomicInteger();
    private final AtomicReference<Failure> seen = new AtomicReference<>();

    private Mono<String> failingWith(String kind) {
        return Mono.defer(() -> {
            int n = subscriptions.incrementAndGet();
            return Mono.error(new IOException(kind + " " + n));
        });
    }

    private ResiliencePolicy.Builder withFallback(String name) {
        return ResiliencePolicy.builder(name).scheduler(vts).fallback(failure -> {
            seen.set(failure);
            return Mono.just("fallback");
        });
    }

    @Test
    void fallbackSeesTheFinalUnderlyingErrorAndTheAttemptCountNotTheRetryWrapper() {
        ResiliencePolicy policy = withFallback("recovering")
                .retry(fixedBackoff(3, Duration.ofMillis(10)))
                .build();

        StepVerifier.withVirtualTime(() -> failingWith("down").transform(policy::apply), () -> vts, Long.MAX_VALUE)
                .expectSubscription()
                .thenAwait(Duration.ofMillis(20))
                .expectNext("fallback")
                .expectComplete()
                .verify(VERIFY);

        assertThat(seen.get().error()).isInstanceOf(IOException.class).hasMessage("down 3");
        assertThat(seen.get().attempts()).isEqualTo(3);
        assertThat(policy.counters().recovered.sum()).isEqualTo(1);
        assertThat(policy.counters().failed.sum()).isZero();
    }

    @Test
    void fallbackSeesAPermanentErrorAfterOneAttempt() {
        ResiliencePolicy policy = withFallback("permanent").retry(3).build();
        IllegalStateException bug = new IllegalStateException("bug");

        StepVerifier.withVirtualTime(() -> Mono.<String>error(bug).transform(policy::apply), () -> vts, Long.MAX_VALUE)
                .expectSubscription()
                .expectNext("fallback")
                .expectComplete()
                .verify(VERIFY);

        assertThat(seen.get()).isEqualTo(new Failure(bug, 1));
    }

    @Test
    void fallbackSeesTheRejectionAndZeroAttemptsWhenTheBreakerIsOpen() {
        ResiliencePolicy policy = withFallback("open")
                .circuitBreaker(CircuitBreakerConfig.ofDefaults())
                .build();
        policy.circuitBreaker().transitionToOpenState();

        StepVerifier.create(Mono.just("unused").transform(policy::apply))
                .expectNext("fallback")
                .expectComplete()
                .verify(VERIFY);

        assertThat(seen.get().error()).isInstanceOf(CallNotPermittedException.class);
        assertThat(seen.get().attempts()).isZero();
    }

    // regression: the fallback was handed the DeadlineExceededException, not the last attempt's error (Failure's
    // Javadoc promises the latter)
    @Test
    void fallbackSeesTheLastAttemptsErrorWhenTheDeadlineCutsRetries() {
        ResiliencePolicy policy = withFallback("deadline")
                .retry(fixedBackoff(10, Duration.ofMillis(100)))
                .deadline(Duration.ofMillis(150))
                .build();

        StepVerifier.withVirtualTime(() -> failingWith("down").transform(policy::apply), () -> vts, Long.MAX_VALUE)
                .expectSubscription()
                .thenAwait(Duration.ofMillis(100))
                .expectNext("fallback")
                .expectComplete()
                .verify(VERIFY);

        assertThat(seen.get().error()).isInstanceOf(IOException.class).hasMessage("down 2");
        assertThat(seen.get().attempts()).isEqualTo(2);
    }

    // regression: a retry refused by the breaker handed the fallback the rejection instead of the last attempt's error
    @Test
    void fallbackSeesTheLastAttemptsErrorWhenTheBreakerRefusesARetry() {
        ResiliencePolicy policy = withFallback("breaker-opens")
                .retry(fixedBackoff(5, Duration.ofMillis(10)))
                .circuitBreaker(CircuitBreakerConfig.custom()
                        .slidingWindowSize(2)
                        .minimumNumberOfCalls(2)
                        .build())
                .build();

        StepVerifier.withVirtualTime(() -> failingWith("down").transform(policy::apply), () -> vts, Long.MAX_VALUE)
                .expectSubscription()
                .thenAwait(Duration.ofMillis(20))
                .expectNext("fallback")
                .expectComplete()
                .verify(VERIFY);

        assertThat(subscriptions).hasValue(2);
        assertThat(seen.get().error()).isInstanceOf(IOException.class).hasMessage("down 2");
        assertThat(seen.get().attempts()).isEqualTo(2);
    }

    @Test
    void breakerRefusingARetrySignalsTheRejectionWhenThereIsNoFallback() {
        ResiliencePolicy policy = ResiliencePolicy.builder("breaker-opens")
                .retry(fixedBackoff(5, Duration.ofMillis(10)))
                .circuitBreaker(CircuitBreakerConfig.custom()
                        .slidingWindowSize(2)
                        .minimumNumberOfCalls(2)
                        .build())
                .scheduler(vts)
                .build();

        StepVerifier.withVirtualTime(() -> failingWith("down").transform(policy::apply), () -> vts, Long.MAX_VALUE)
                .expectSubscription()
                .thenAwait(Duration.ofMillis(20))
                .expectError(CallNotPermittedException.class)
                .verify(VERIFY);

        assertThat(subscriptions).hasValue(2);
    }

    @Test
    void failingFallbackSignalsItsOwnErrorWithTheOriginalSuppressed() {
        IllegalStateException fallbackError = new IllegalStateException("fallback broke");
        ResiliencePolicy policy = ResiliencePolicy.builder("broken-fallback")
                .scheduler(vts)
                .fallback(failure -> Mono.error(fallbackError))
                .build();
        IOException original = new IOException("down");

        StepVerifier.create(Mono.<String>error(original).transform(policy::apply))
                .expectErrorSatisfies(e -> {
                    assertThat(e).isSameAs(fallbackError);
                    assertThat(e.getSuppressed()).containsExactly(original);
                })
                .verify(VERIFY);

        assertThat(policy.counters().failed.sum()).isEqualTo(1);
    }

    @Test
    void fallbackReturningNullSignalsANamedError() {
        ResiliencePolicy policy = ResiliencePolicy.builder("null-fallback")
                .scheduler(vts)
                .fallback(failure -> null)
                .build();

        StepVerifier.create(Mono.<String>error(new IOException("down")).transform(policy::apply))
                .expectErrorSatisfies(e ->
                        assertThat(e).isInstanceOf(NullPointerException.class).hasMessageContaining("null-fallback"))
                .verify(VERIFY);
    }

    @Test
    void fallbackIsNotUsedWhenTheCallSucceeds() {
        ResiliencePolicy policy = withFallback("happy").build();

        StepVerifier.create(Mono.just("value").transform(policy::apply))
                .expectNext("value")
                .expectComplete()
                .verify(VERIFY);

        assertThat(seen.get()).isNull();
    }
}
