package dev.sluice.bus.redis;

import com.fasterxml.jackson.annotation.JsonRawValue;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Objects;

/**
 * The payload of a dead letter read back from Redis: the JSON text the store wrote, not yet turned into an object.
 * Turn it into the event's payload type with {@link RedisDeadLetterStore#decodePayload}. Writing a letter that carries
 * a {@code JsonPayload} (a redriven letter being replaced, say) stores the JSON unchanged, and Jackson serializes it
 * as the raw JSON too. Immutable.
 *
 * <p>A payload larger than the store's {@code maxPayloadBytes} was cut when written and ends with {@code …[truncated N
 * bytes]}; it is then no longer valid JSON ({@link #truncated()}).
 *
 * @param json the payload as stored, normally a JSON document
 */
public record JsonPayload(@JsonValue @JsonRawValue String json) {

    /**
     * Create a payload.
     *
     * @throws NullPointerException if {@code json} is null
     */
    public JsonPayload {
        Objects.requireNonNull(json, "json");
    }

    /** Return whether the store cut this payload to its size limit (then it cannot be decoded). */
    public boolean truncated() {
        return Truncation.isTruncated(json);
    }
}
