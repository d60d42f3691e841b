package dev.sluice.policy.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.internal.CircuitBreakerStateMachine;
import java.lang.reflect.Field;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

/**
 * resilience4j 2.x takes a lock for the breaker's OPEN → HALF_OPEN transition: a call that races another one through
 * it waits on a Reactor thread. BlockHound must let it wait (the allowance in {@link SluiceBlockHoundIntegration}):
 * under load the park was reported as a blocking call, thrown from inside a policy's retry task, and the attempt was
 * lost, so a subscriber paused on the open breaker never resumed.
 */
class BreakerTransitionBlockHoundTest {

    private static final Instant T0 = Instant.parse("2026-12-02T00:00:00Z");

    @Test
    void aCallRacingTheHalfOpenTransitionWaitsForItOnAReactorThread() throws Exception {
        AtomicReference<Instant> now = new AtomicReference<>(T0);
        Clock clock = new Clock() {
            @Override
            public ZoneOffset getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return now.get();
            }
        };
        CircuitBreaker breaker = CircuitBreaker.of(
                "racing",
                CircuitBreakerConfig.custom()
                        .waitDurationInOpenState(Duration.ofSeconds(1))
                        .clock(clock)
                        .build());
        breaker.transitionToOpenState();
        now.set(T0.plusSeconds(2)); // the wait in open is over: the next call moves the breaker to half-open
        ReentrantLock transition = transitionLock(breaker);

        transition.lock(); // as another call does while it moves the breaker to half-open
        try {
            StepVerifier.create(Mono.fromCallable(breaker::tryAcquirePermission).subscribeOn(Schedulers.parallel()))
                    .then(() -> {
                        long deadline =
                                System.nanoTime() + Duration.ofSeconds(10).toNanos();
                        while (!transition.hasQueuedThreads() && System.nanoTime() < deadline) {
                            Thread.onSpinWait();
                        }
                        assertThat(transition.hasQueuedThreads())
                                .as("the call waits for the transition")
                                .isTrue();
                        transition.unlock();
                    })
                    .expectNext(true)
                    .expectComplete()
                    .verify(Duration.ofSeconds(10));
        } finally {
            if (transition.isHeldByCurrentThread()) {
                transition.unlock();
            }
        }
        assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.HALF_OPEN);
    }

    private static ReentrantLock transitionLock(CircuitBreaker breaker) throws ReflectiveOperationException {
        Field lock = CircuitBreakerStateMachine.class.getDeclaredField("lock");
        lock.setAccessible(true);
        return (ReentrantLock) lock.get(breaker);
    }
}
