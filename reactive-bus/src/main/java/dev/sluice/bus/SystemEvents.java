package dev.sluice.bus;

import java.time.Instant;

/**
 * The bus's own events, published on the bus itself under reserved {@code sluice.} names. Subscribe to them like any
 * type. Their subscribers are best-effort: a system event never waits for room (a full inbox drops it and counts the
 * drop in {@link SubscriberStats#dropped()}), and failures while handling a system event never produce further system
 * events.
 */
public final class SystemEvents {

    private SystemEvents() {}

    /** A subscriber's circuit breaker changed state. */
    public record CircuitStateChanged(String subscriber, String policy, String from, String to, Instant at) {}

    /** A subscriber's event became a dead letter (the store acknowledged it). */
    public record DeadLetterRecorded(
            String subscriber,
            String letterId,
            String eventId,
            String eventType,
            DeadLetterReason reason,
            Instant at) {}

    /**
     * A subscriber's dead letter was parked: its scheduled redrive delays ran out, or its payload no longer
     * deserializes. It stays in the store (parked) until someone redrives or deletes it.
     */
    public record DeadLetterParked(
            String subscriber,
            String letterId,
            String eventId,
            String eventType,
            DeadLetterReason reason,
            int redriveCount,
            Instant at) {}

    /** A subscriber's health changed. */
    public record SubscriberHealthChanged(
            String subscriber, SubscriberHealth.Status from, SubscriberHealth.Status to, String reason, Instant at) {}

    /** {@code sluice.circuit.state-changed}. */
    public static final EventType<CircuitStateChanged> CIRCUIT_STATE_CHANGED =
            EventType.system("sluice.circuit.state-changed", CircuitStateChanged.class);

    /** {@code sluice.dead-letter.recorded}. */
    public static final EventType<DeadLetterRecorded> DEAD_LETTER_RECORDED =
            EventType.system("sluice.dead-letter.recorded", DeadLetterRecorded.class);

    /** {@code sluice.dead-letter.parked}. */
    public static final EventType<DeadLetterParked> DEAD_LETTER_PARKED =
            EventType.system("sluice.dead-letter.parked", DeadLetterParked.class);

    /** {@code sluice.subscriber.health-changed}. */
    public static final EventType<SubscriberHealthChanged> SUBSCRIBER_HEALTH_CHANGED =
            EventType.system("sluice.subscriber.health-changed", SubscriberHealthChanged.class);
}
