package dev.sluice.bus;

import java.util.Objects;

/**
 * A subscriber's (or the bus's) health now, with the reason in words.
 *
 * <ul>
 *   <li>{@code UNHEALTHY}: the circuit breaker is open, or the dead-letter store refuses letters (events are held);
 *   <li>{@code DEGRADED}: the breaker is half-open, the inbox is at least 80 % full or in overflow mode, the breaker's
 *       recent failure rate is at least half its threshold, or the store is degraded;
 *   <li>{@code HEALTHY}: none of these.
 * </ul>
 *
 * @param status the status
 * @param reason why, in words ("ok" when healthy)
 */
public record SubscriberHealth(Status status, String reason) {

    /** Health states, best first. */
    public enum Status {
        /** Working normally. */
        HEALTHY,
        /** Working, but under strain. */
        DEGRADED,
        /** Not handling events normally. */
        UNHEALTHY
    }

    /** Validate. */
    public SubscriberHealth {
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(reason, "reason");
    }

    /** Return a healthy value. */
    public static SubscriberHealth healthy() {
        return new SubscriberHealth(Status.HEALTHY, "ok");
    }
}
