package dev.sluice.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.io.IOException;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;
import reactor.test.scheduler.VirtualTimeScheduler;

class PolicyEventsTest {

    private final VirtualTimeScheduler time = VirtualTimeScheduler.create();
    private final ResiliencePolicy policy = ResiliencePolicy.builder("inventory")
            .scheduler(time)
            .circuitBreaker(CircuitBreakerConfig.custom()
                    .slidingWindowSize(2)
                    .minimumNumberOfCalls(2)
                    .waitDurationInOpenState(Duration.ofSeconds(10))
                    .permittedNumberOfCallsInHalfOpenState(1)
                    .build())
            .build();

    @Test
    void publishesOpenHalfOpenAndClosedTransitions() {
        StepVerifier.create(policy.events().take(3))
                .then(() -> {
                    fail();
                    fail();
                    time.advanceTimeBy(Duration.ofSeconds(11));
                    succeed();
                })
                .assertNext(event -> assertThat(event.from() + ">" + event.to()).isEqualTo("CLOSED>OPEN"))
                .assertNext(event -> assertThat(event.from() + ">" + event.to()).isEqualTo("OPEN>HALF_OPEN"))
                .assertNext(event -> {
                    assertThat(event.to()).isEqualTo(State.CLOSED);
                    assertThat(event.policy()).isEqualTo("inventory");
                })
                .expectComplete()
                .verify(Duration.ofSeconds(5));
    }

    @Test
    void slowObserverDropsAreCounted() {
        StepVerifier.create(policy.events(), 0)
                .then(() -> {
                    for (int i = 0; i < 300; i++) {
                        policy.circuitBreaker().transitionToForcedOpenState();
                        succeedOrReject();
                        policy.circuitBreaker().transitionToClosedState();
                        succeed();
                    }
                })
                .thenCancel()
                .verify(Duration.ofSeconds(5));

        assertThat(policy.droppedEvents()).isEqualTo(600 - 256);
    }

    private void fail() {
        StepVerifier.create(policy.apply(Mono.error(new IOException("down"))))
                .expectError(IOException.class)
                .verify(Duration.ofSeconds(1));
    }

    private void succeed() {
        StepVerifier.create(policy.apply(Mono.just(1))).expectNext(1).verifyComplete();
    }

    private void succeedOrReject() {
        StepVerifier.create(policy.apply(Mono.just(1))).expectError().verify(Duration.ofSeconds(1));
    }
}
