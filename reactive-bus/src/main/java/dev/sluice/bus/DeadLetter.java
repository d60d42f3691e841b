package dev.sluice.bus;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * An event a subscriber could not handle, with everything needed to inspect and redrive it. Immutable. Field names
 * follow the Redis stream layout of docs/DESIGN.md ("Dead letters in Redis").
 *
 * @param letterId stable for the letter's whole life (kept across redrives); the id the API uses
 * @param eventId the event's id
 * @param eventType the event type's name
 * @param eventKey the event's key, or null
 * @param subscriber the subscriber that failed
 * @param payload the payload object (serialized by the store)
 * @param headers the event's headers
 * @param publishedAt when the event was published
 * @param deadLetteredAt when it first became a dead letter (kept across redrives)
 * @param lastFailedAt when it last failed
 * @param reason why it ended as a dead letter
 * @param errorClass the last error's class name, or null
 * @param errorMessage the last error's message, or null
 * @param causeClass the last error's cause's class name, or null
 * @param stackTrace the last error's stack trace, or null
 * @param attempts handler attempts made in the last delivery, counting the first
 * @param redriveCount how many times it was redriven
 * @param instance the bus instance that wrote it
 */
public record DeadLetter(
        String letterId,
        String eventId,
        String eventType,
        @Nullable String eventKey,
        String subscriber,
        Object payload,
        Map<String, String> headers,
        Instant publishedAt,
        Instant deadLetteredAt,
        Instant lastFailedAt,
        DeadLetterReason reason,
        @Nullable String errorClass,
        @Nullable String errorMessage,
        @Nullable String causeClass,
        @Nullable String stackTrace,
        int attempts,
        int redriveCount,
        String instance) {

    /**
     * Create a letter.
     *
     * @throws NullPointerException if a non-nullable component is null
     * @throws IllegalArgumentException if {@code attempts} or {@code redriveCount} is negative
     */
    public DeadLetter {
        Objects.requireNonNull(letterId, "letterId");
        Objects.requireNonNull(eventId, "eventId");
        Objects.requireNonNull(eventType, "eventType");
        Objects.requireNonNull(subscriber, "subscriber");
        Objects.requireNonNull(payload, "payload");
        headers = Map.copyOf(Objects.requireNonNull(headers, "headers"));
        Objects.requireNonNull(publishedAt, "publishedAt");
        Objects.requireNonNull(deadLetteredAt, "deadLetteredAt");
        Objects.requireNonNull(lastFailedAt, "lastFailedAt");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(instance, "instance");
        if (attempts < 0) {
            throw new IllegalArgumentException("attempts must be >= 0, but was " + attempts);
        }
        if (redriveCount < 0) {
            throw new IllegalArgumentException("redriveCount must be >= 0, but was " + redriveCount);
        }
    }

    /**
     * Return this letter with another failure: the same letter id, event and {@code deadLetteredAt}; the given
     * reason, error, attempts, failure time, redrive count and instance. Used when a redrive fails again.
     *
     * @throws NullPointerException if {@code reason}, {@code lastFailedAt} or {@code instance} is null
     * @throws IllegalArgumentException if {@code attempts} or {@code redriveCount} is negative
     */
    public DeadLetter withFailure(
            DeadLetterReason reason,
            @Nullable String errorClass,
            @Nullable String errorMessage,
            @Nullable String causeClass,
            @Nullable String stackTrace,
            int attempts,
            Instant lastFailedAt,
            int redriveCount,
            String instance) {
        return new DeadLetter(
                letterId,
                eventId,
                eventType,
                eventKey,
                subscriber,
                payload,
                headers,
                publishedAt,
                deadLetteredAt,
                lastFailedAt,
                reason,
                errorClass,
                errorMessage,
                causeClass,
                stackTrace,
                attempts,
                redriveCount,
                instance);
    }

    /**
     * Return this letter with {@code headers} instead of its own, all else the same: a redrive that failed under a
     * new trace replaces {@code failed_traceparent} this way (docs/observability.md), never adding a second one.
     */
    public DeadLetter withHeaders(Map<String, String> headers) {
        return new DeadLetter(
                letterId,
                eventId,
                eventType,
                eventKey,
                subscriber,
                payload,
                headers,
                publishedAt,
                deadLetteredAt,
                lastFailedAt,
                reason,
                errorClass,
                errorMessage,
                causeClass,
                stackTrace,
                attempts,
                redriveCount,
                instance);
    }
}
