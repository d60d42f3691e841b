package dev.sluice.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.policy.internal.SchedulerClock;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/** Regressions for defects found in review. */
class ReviewRegressionTest {

    @Test
    void classifierThatThrowsMakesTheErrorPermanentInsteadOfThrowingFromSubscribe() {
        AtomicInteger subscriptions = new AtomicInteger();
        ResiliencePolicy policy = ResiliencePolicy.builder("bad-classifier")
                .classifier(error -> {
                    throw new IllegalStateException("classifier bug");
                })
                .retry(3)
                .circuitBreaker(CircuitBreakerConfig.ofDefaults())
                .build();

        StepVerifier.create(policy.apply(
                        Mono.error(new IOException("down")).doOnSubscribe(s -> subscriptions.incrementAndGet())))
                .expectErrorSatisfies(error -> {
                    assertThat(error).isInstanceOf(IOException.class);
                    assertThat(error.getSuppressed()[0]).hasMessage("classifier bug");
                })
                .verify(Duration.ofSeconds(5));

        assertThat(subscriptions).hasValue(1);
        assertThat(policy.circuitBreaker().getMetrics().getNumberOfFailedCalls())
                .isEqualTo(1);
    }

    @Test
    void schedulerClockTellsWallTimeNotUptime() {
        Instant now = new SchedulerClock(ResiliencePolicy.DEFAULT_SCHEDULER).instant();

        assertThat(now).isBetween(Instant.now().minusSeconds(60), Instant.now().plusSeconds(60));
    }
}
