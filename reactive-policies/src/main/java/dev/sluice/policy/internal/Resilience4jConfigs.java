package dev.sluice.policy.internal;

import dev.sluice.policy.Durations;
import io.github.resilience4j.bulkhead.BulkheadConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.SlidingWindowSynchronizationStrategy;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import reactor.core.scheduler.Scheduler;

/**
 * Checks and adapts the resilience4j configurations a policy is built from, so that nothing on a policy's path waits
 * or takes a lock: breakers use the {@code LOCK_FREE} sliding window, bulkheads and rate limiters never wait.
 */
public final class Resilience4jConfigs {

    private Resilience4jConfigs() {}

    /**
     * Return {@code breaker} if it uses the {@code LOCK_FREE} sliding window.
     *
     * @throws IllegalArgumentException if it uses {@code SYNCHRONIZED}, which takes a lock per call
     */
    public static CircuitBreaker requireLockFree(CircuitBreaker breaker) {
        Objects.requireNonNull(breaker, "breaker");
        SlidingWindowSynchronizationStrategy strategy =
                breaker.getCircuitBreakerConfig().getSlidingWindowSynchronizationStrategy();
        if (strategy != SlidingWindowSynchronizationStrategy.LOCK_FREE) {
            throw new IllegalArgumentException("circuit breaker '" + breaker.getName()
                    + "' must use the LOCK_FREE sliding window, but uses " + strategy);
        }
        return breaker;
    }

    /** Return {@code config} with the {@code LOCK_FREE} sliding window and its clock read from {@code scheduler}. */
    public static CircuitBreakerConfig lockFreeOn(CircuitBreakerConfig config, Scheduler scheduler) {
        return CircuitBreakerConfig.from(config)
                .slidingWindowSynchronizationStrategy(SlidingWindowSynchronizationStrategy.LOCK_FREE)
                .clock(new SchedulerClock(scheduler))
                .currentTimestampFunction(clock -> scheduler.now(TimeUnit.NANOSECONDS), TimeUnit.NANOSECONDS)
                .build();
    }

    /**
     * Return a semaphore bulkhead config for {@code maxConcurrentCalls} ({@code >= 1}) calls that never waits.
     *
     * @throws IllegalArgumentException if {@code maxConcurrentCalls < 1}
     */
    public static BulkheadConfig bulkhead(int maxConcurrentCalls) {
        if (maxConcurrentCalls < 1) {
            throw new IllegalArgumentException("maxConcurrentCalls must be >= 1, but was " + maxConcurrentCalls);
        }
        return BulkheadConfig.custom()
                .maxConcurrentCalls(maxConcurrentCalls)
                .maxWaitDuration(Duration.ZERO)
                .build();
    }

    /**
     * Return {@code config} if its {@code maxWaitDuration} is zero.
     *
     * @throws IllegalArgumentException otherwise: waiting would block a thread
     */
    public static BulkheadConfig requireNoWait(BulkheadConfig config) {
        Objects.requireNonNull(config, "config");
        if (!config.getMaxWaitDuration().isZero()) {
            throw new IllegalArgumentException(
                    "bulkhead maxWaitDuration must be 0, but was " + config.getMaxWaitDuration());
        }
        return config;
    }

    /**
     * Return a rate limiter config for {@code limitForPeriod} ({@code >= 1}) calls per {@code refreshPeriod}
     * ({@code > 0}) that never waits.
     *
     * @throws IllegalArgumentException if either is out of range
     */
    public static RateLimiterConfig rateLimiter(int limitForPeriod, Duration refreshPeriod) {
        if (limitForPeriod < 1) {
            throw new IllegalArgumentException("limitForPeriod must be >= 1, but was " + limitForPeriod);
        }
        return RateLimiterConfig.custom()
                .limitForPeriod(limitForPeriod)
                .limitRefreshPeriod(Durations.requirePositive("refreshPeriod", refreshPeriod))
                .timeoutDuration(Duration.ZERO)
                .build();
    }

    /**
     * Return {@code config} if its {@code timeoutDuration} is zero.
     *
     * @throws IllegalArgumentException otherwise: waiting for a permit would defer subscription in a way that cannot
     *     be cancelled
     */
    public static RateLimiterConfig requireNoWait(RateLimiterConfig config) {
        Objects.requireNonNull(config, "config");
        if (!config.getTimeoutDuration().isZero()) {
            throw new IllegalArgumentException(
                    "rate limiter timeoutDuration must be 0, but was " + config.getTimeoutDuration());
        }
        return config;
    }
}
