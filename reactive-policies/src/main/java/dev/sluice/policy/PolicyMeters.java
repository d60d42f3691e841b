package dev.sluice.policy;

import java.util.List;

/**
 * Every Micrometer meter the policies register, in one place (the shape of reactor-netty's {@code HttpServerMeters}).
 * Bound by {@link PolicyMetrics}; resilience4j's own meters for breakers, bulkheads and rate limiters
 * ({@code resilience4j.circuitbreaker.*} etc., tagged by policy name) come beside them.
 */
public enum PolicyMeters {
    /** Guarded calls by how they ended; tags {@code policy}, {@code outcome}. */
    CALLS(new MeterDoc(
            "sluice.policy.calls",
            "Guarded calls by outcome: success, recovered (fallback completed), failed, rejected (breaker open, "
                    + "bulkhead full or rate limited, no fallback)",
            "calls",
            List.of("policy", "outcome"))),
    /** Retries scheduled; tag {@code policy}. */
    RETRIES(new MeterDoc(
            "sluice.policy.retries", "Retries scheduled after a retryable failure", "retries", List.of("policy"))),
    /** Attempts that timed out; tag {@code policy}. */
    TIMEOUTS(new MeterDoc(
            "sluice.policy.timeouts", "Attempts cancelled by the policy's timeout", "timeouts", List.of("policy"))),
    /** Hedged attempts started beside a round's primary; tag {@code policy}. */
    HEDGES(new MeterDoc(
            "sluice.policy.hedges",
            "Hedged attempts started beside a slow or retryably failed attempt",
            "attempts",
            List.of("policy"))),
    /** Rounds won by a hedged attempt rather than the primary; tag {@code policy}. */
    HEDGES_WON(new MeterDoc(
            "sluice.policy.hedges.won",
            "Hedged rounds whose outcome came from a hedged attempt rather than the primary",
            "rounds",
            List.of("policy"))),
    /** Policy events dropped for slow observers; tag {@code policy}. */
    EVENTS_DROPPED(new MeterDoc(
            "sluice.policy.events.dropped",
            "Policy events (breaker state changes) dropped for observers that fell behind",
            "events",
            List.of("policy")));

    // MeterDoc is a record of strings and a List.copyOf, so immutable, but Error Prone cannot see that
    @SuppressWarnings("ImmutableEnumChecker")
    private final MeterDoc doc;

    PolicyMeters(MeterDoc doc) {
        this.doc = doc;
    }

    /** Return the meter's name, description, base unit and tag keys. */
    public MeterDoc doc() {
        return doc;
    }
}
