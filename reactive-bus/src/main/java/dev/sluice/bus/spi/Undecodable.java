package dev.sluice.bus.spi;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What could be read of a partition entry whose payload (or envelope) failed to decode: enough for a {@code
 * DESERIALIZATION_FAILED} dead letter that keeps the raw payload for inspection. Immutable.
 *
 * @param eventId the event id field ({@code "unknown"} if absent)
 * @param eventType the type's name
 * @param key the key field, or null
 * @param payload the raw payload as stored, in a form the dead-letter store keeps verbatim so that the letter can be
 *     decoded once the payload type reads it again (the Redis transport passes its {@code JsonPayload}, which a
 *     JSON store writes as the raw JSON text, not as a quoted string)
 * @param headers the headers that could be decoded (empty if none)
 * @param publishedAt the published time, or the epoch if unreadable
 * @param error why decoding failed
 */
public record Undecodable(
        String eventId,
        String eventType,
        @Nullable String key,
        Object payload,
        Map<String, String> headers,
        Instant publishedAt,
        Throwable error) {

    /** Validate; headers are copied. */
    public Undecodable {
        Objects.requireNonNull(eventId, "eventId");
        Objects.requireNonNull(eventType, "eventType");
        Objects.requireNonNull(payload, "payload");
        headers = Map.copyOf(Objects.requireNonNull(headers, "headers"));
        Objects.requireNonNull(publishedAt, "publishedAt");
        Objects.requireNonNull(error, "error");
    }
}
