package dev.sluice.bus;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * An immutable event envelope: a time-ordered id (UUIDv7), its type, an optional key (events with the same key are
 * handled in order by an ordered subscriber), the payload, headers (e.g. {@value #CORRELATION_ID}), and when it was
 * published.
 *
 * @param id time-ordered unique id (UUIDv7 text)
 * @param type the event type
 * @param key the ordering key, or null for unordered
 * @param payload the payload, an instance of {@code type.payloadType()}
 * @param headers string headers; never null
 * @param publishedAt when the bus accepted it, by the bus clock
 * @param <T> the payload type
 */
public record Event<T>(
        String id,
        EventType<T> type,
        @Nullable String key,
        T payload,
        Map<String, String> headers,
        Instant publishedAt) {

    /** Header holding the correlation id, taken from the Reactor {@code Context} key of the same name if present. */
    public static final String CORRELATION_ID = "correlation-id";
    /** Header holding the id of the event that caused this one. */
    public static final String CAUSATION_ID = "causation-id";

    /** Validate the envelope; headers are copied. */
    public Event {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(payload, "payload");
        headers = headers.isEmpty() ? Map.of() : Map.copyOf(headers);
        Objects.requireNonNull(publishedAt, "publishedAt");
    }
}
