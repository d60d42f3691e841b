package dev.sluice.bus;

/** Why an event ended as a dead letter (docs/DESIGN.md, "Outcome reasons"). */
public enum DeadLetterReason {
    /** A retryable error persisted through every attempt (also with max-attempts 1). */
    RETRIES_EXHAUSTED,
    /** The policy's total deadline expired. */
    DEADLINE_EXCEEDED,
    /** A permanent or ignored error; or the handler returned {@code null} or threw. */
    PERMANENT_ERROR,
    /** The bulkhead was full or the rate limiter refused. */
    REJECTED,
    /** The circuit breaker was open. */
    CIRCUIT_OPEN,
    /** The subscriber's fallback failed (error: the fallback's; cause: the original). */
    FALLBACK_FAILED,
    /** The inbox was full past {@code maxPublishWait}, or a {@code DEAD_LETTER}-overflow inbox was full. */
    INBOX_OVERFLOW,
    /** The bus closed before the event was handled. */
    SHUTDOWN,
    /** The subscriber was disposed before the event was handled. */
    UNSUBSCRIBED,
    /** The payload could not be serialized for the store. */
    SERIALIZATION_FAILED,
    /** The payload could not be deserialized on redrive, or (for a durable type) when its entry was read. */
    DESERIALIZATION_FAILED,
    /**
     * A durable entry whose handling kept ending in no outcome (the process died under it) more often than the
     * subscriber's delivery limit allows (docs/DESIGN.md, "Durable types").
     */
    DELIVERY_LIMIT
}
