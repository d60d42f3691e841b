package dev.sluice.policy;

import java.util.List;

/**
 * Every Micrometer meter the policies register, in one place (the shape of reactor-netty's {@code HttpServerMeters}).
 * Bound by {@link PolicyMetrics}; resilience4j's own meters for breakers, bulkheads and rate limiters
 * ({@code resilience4j.circuitbreaker.*} etc., tagged by policy name) come beside them.
 */
public enum PolicyMeters {
    /** Guarded calls by how they ended; tags {@code policy}, {@code outcome}. */
    CALLS(
            "sluice.policy.calls",
            "Guarded calls by outcome: success, recovered (fallback completed), failed, rejected (breaker open, "
                    + "bulkhead full or rate limited, no fallback)",
            "calls",
            List.of("policy", "outcome")),
    /** Retries scheduled; tag {@code policy}. */
    RETRIES("sluice.policy.retries", "Retries scheduled after a retryable failure", "retries", List.of("policy")),
    /** Attempts that timed out; tag {@code policy}. */
    TIMEOUTS("sluice.policy.timeouts", "Attempts cancelled by the policy's timeout", "timeouts", List.of("policy")),
    /** Policy events dropped for slow observers; tag {@code policy}. */
    EVENTS_DROPPED(
            "sluice.policy.events.dropped",
            "Policy events (breaker state changes) dropped for observers that fell behind",
            "events",
            List.of("policy"));

    private final String meterName;
    private final String description;
    private final String baseUnit;
    private final List<String> tagKeys;

    PolicyMeters(String meterName, String description, String baseUnit, List<String> tagKeys) {
        this.meterName = meterName;
        this.description = description;
        this.baseUnit = baseUnit;
        this.tagKeys = tagKeys;
    }

    /** Return the meter's name. */
    public String meterName() {
        return meterName;
    }

    /** Return the meter's description. */
    public String description() {
        return description;
    }

    /** Return the meter's base unit. */
    public String baseUnit() {
        return baseUnit;
    }

    /** Return the meter's tag keys (all low-cardinality). */
    public List<String> tagKeys() {
        return tagKeys;
    }
}
