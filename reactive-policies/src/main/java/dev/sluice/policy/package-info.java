/**
 * Resilience policies as Reactor operators: {@link dev.sluice.policy.ResiliencePolicy} composes timeout, retry with
 * backoff and jitter, circuit breaker, bulkhead, rate limiter, deadline and fallback in one fixed order, and
 * {@link dev.sluice.policy.ErrorClassifier} decides which failures are retried and which count against the breaker.
 * Knows nothing of events or Redis.
 */
@NullMarked
package dev.sluice.policy;

import org.jspecify.annotations.NullMarked;
