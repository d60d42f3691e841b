package dev.sluice.policy;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.time.Instant;

/**
 * A circuit-breaker state transition of a policy, as emitted by {@link ResiliencePolicy#events()}.
 *
 * @param policy the policy's name
 * @param from the state left
 * @param to the state entered
 * @param at when, by the policy scheduler's clock
 */
public record PolicyEvent(String policy, CircuitBreaker.State from, CircuitBreaker.State to, Instant at) {}
