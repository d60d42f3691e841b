package dev.sluice.bus.redis;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import dev.sluice.bus.DeadLetter;
import dev.sluice.bus.DeadLetterReason;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Turns a {@link DeadLetter} into the flat string fields of its stream entry (docs/DESIGN.md, "Dead letters in Redis")
 * and back. Payload and headers are JSON written with the user's mapper; stack traces, error messages and payloads are
 * cut to their limits with a visible marker. Immutable and thread-safe (an {@code ObjectMapper} is, once configured).
 */
final class LetterCodec {

    /** The value of the {@code format} field this codec writes and reads. */
    static final String FORMAT = "1";

    /** Every field of an entry, in the order written. */
    static final List<String> FIELDS = List.of(
            "format",
            "letter_id",
            "event_id",
            "event_type",
            "event_key",
            "subscriber",
            "payload",
            "headers",
            "published_at",
            "dead_lettered_at",
            "last_failed_at",
            "reason",
            "error_class",
            "error_message",
            "cause_class",
            "stack_trace",
            "attempts",
            "redrive_count",
            "instance");

    private static final TypeReference<Map<String, String>> HEADERS = new TypeReference<>() {};

    private final ObjectMapper mapper;
    // built once: ObjectMapper.writeValueAsString builds its writer configuration on every call
    private final ObjectWriter payloadWriter;
    private final ObjectWriter headersWriter;
    private final int maxPayloadBytes;
    private final int maxStackTraceBytes;

    LetterCodec(ObjectMapper mapper, int maxPayloadBytes, int maxStackTraceBytes) {
        this.mapper = mapper;
        this.payloadWriter = mapper.writer();
        this.headersWriter = mapper.writerFor(HEADERS);
        this.maxPayloadBytes = maxPayloadBytes;
        this.maxStackTraceBytes = maxStackTraceBytes;
    }

    /**
     * Return the entry fields of {@code letter} as field, value, field, value… in {@link #FIELDS} order. A payload
     * the mapper cannot serialize is stored as a JSON string of its {@code toString()}, and the letter's reason
     * becomes {@code SERIALIZATION_FAILED} (see {@link RedisDeadLetterStore}). Never throws for a valid letter.
     */
    String[] encode(DeadLetter letter) {
        String payload;
        DeadLetter stored = letter;
        if (letter.payload() instanceof JsonPayload json) {
            payload = json.json(); // read back from Redis (a redrive's replace): store as it was
        } else {
            try {
                payload = Truncation.truncate(payloadWriter.writeValueAsString(letter.payload()), maxPayloadBytes);
            } catch (JsonProcessingException | RuntimeException e) {
                payload = jsonString(Truncation.truncate(describe(letter.payload()), maxPayloadBytes));
                stored = serializationFailed(letter, e);
            }
        }
        String[] fields = new String[FIELDS.size() * 2];
        int i = 0;
        i = put(fields, i, "format", FORMAT);
        i = put(fields, i, "letter_id", stored.letterId());
        i = put(fields, i, "event_id", stored.eventId());
        i = put(fields, i, "event_type", stored.eventType());
        i = put(fields, i, "event_key", orEmpty(stored.eventKey()));
        i = put(fields, i, "subscriber", stored.subscriber());
        i = put(fields, i, "payload", payload);
        i = put(fields, i, "headers", headersJson(stored.headers()));
        i = put(fields, i, "published_at", IsoInstant.format(stored.publishedAt()));
        i = put(fields, i, "dead_lettered_at", IsoInstant.format(stored.deadLetteredAt()));
        i = put(fields, i, "last_failed_at", IsoInstant.format(stored.lastFailedAt()));
        i = put(fields, i, "reason", stored.reason().name());
        i = put(fields, i, "error_class", orEmpty(stored.errorClass()));
        i = put(fields, i, "error_message", Truncation.truncate(orEmpty(stored.errorMessage()), maxStackTraceBytes));
        i = put(fields, i, "cause_class", orEmpty(stored.causeClass()));
        i = put(fields, i, "stack_trace", Truncation.truncate(orEmpty(stored.stackTrace()), maxStackTraceBytes));
        i = put(fields, i, "attempts", Integer.toString(stored.attempts()));
        i = put(fields, i, "redrive_count", Integer.toString(stored.redriveCount()));
        put(fields, i, "instance", stored.instance());
        return fields;
    }

    /**
     * Return the letter stored in {@code fields} (an entry's body), its payload a {@link JsonPayload}.
     *
     * @throws IllegalArgumentException naming the field if a field is missing or malformed, or the format is unknown
     */
    DeadLetter decode(Map<String, String> fields) {
        String format = required(fields, "format");
        if (!FORMAT.equals(format)) {
            throw new IllegalArgumentException("dead letter entry has format '" + format + "'; this version reads "
                    + FORMAT + " (letter_id " + fields.get("letter_id") + ")");
        }
        try {
            return new DeadLetter(
                    required(fields, "letter_id"),
                    required(fields, "event_id"),
                    required(fields, "event_type"),
                    orNull(fields.get("event_key")),
                    required(fields, "subscriber"),
                    new JsonPayload(required(fields, "payload")),
                    headers(fields.get("headers")),
                    instant(fields, "published_at"),
                    instant(fields, "dead_lettered_at"),
                    instant(fields, "last_failed_at"),
                    DeadLetterReason.valueOf(required(fields, "reason")),
                    orNull(fields.get("error_class")),
                    orNull(fields.get("error_message")),
                    orNull(fields.get("cause_class")),
                    orNull(fields.get("stack_trace")),
                    Integer.parseInt(required(fields, "attempts")),
                    Integer.parseInt(required(fields, "redrive_count")),
                    required(fields, "instance"));
        } catch (IllegalArgumentException | DateTimeParseException e) {
            throw new IllegalArgumentException(
                    "malformed dead letter entry (letter_id " + fields.get("letter_id") + "): " + e.getMessage(), e);
        }
    }

    /** Return the letter stored in {@code flat} (field, value, … as a script returns an entry's body). */
    DeadLetter decode(List<?> flat) {
        Map<String, String> fields = new HashMap<>(flat.size());
        for (int i = 0; i + 1 < flat.size(); i += 2) {
            fields.put(String.valueOf(flat.get(i)), String.valueOf(flat.get(i + 1)));
        }
        return decode(fields);
    }

    /**
     * Return {@code letter}'s payload as a {@code type}: a payload that already is one as it is, a {@link
     * JsonPayload} read with the mapper.
     *
     * @throws IllegalArgumentException saying why if it cannot be turned into a {@code type} (truncated, malformed or
     *     not matching the type)
     */
    <T> T decodePayload(DeadLetter letter, Class<T> type) {
        Object payload = letter.payload();
        if (type.isInstance(payload)) {
            return type.cast(payload);
        }
        if (!(payload instanceof JsonPayload json)) {
            throw new IllegalArgumentException("payload of letter " + letter.letterId() + " is a "
                    + payload.getClass().getName() + ", not a " + type.getName());
        }
        if (json.truncated()) {
            throw new IllegalArgumentException("payload of letter " + letter.letterId()
                    + " was truncated to the store's size limit when written; it cannot be read as a "
                    + type.getName());
        }
        try {
            T value = mapper.readValue(json.json(), type);
            if (value == null) {
                throw new IllegalArgumentException(
                        "payload of letter " + letter.letterId() + " is JSON null, not a " + type.getName());
            }
            return value;
        } catch (IOException e) {
            throw new IllegalArgumentException(
                    "payload of letter " + letter.letterId() + " cannot be read as a " + type.getName() + ": "
                            + e.getMessage(),
                    e);
        }
    }

    private DeadLetter serializationFailed(DeadLetter letter, Exception error) {
        String message = "payload of type " + letter.payload().getClass().getName() + " could not be serialized: "
                + error.getMessage() + "; the letter was " + letter.reason()
                + (letter.errorClass() == null ? "" : " after " + letter.errorClass())
                + (letter.errorMessage() == null ? "" : ": " + letter.errorMessage());
        return letter.withFailure(
                DeadLetterReason.SERIALIZATION_FAILED,
                error.getClass().getName(),
                message,
                letter.errorClass(), // the handler's error, whose stack trace is kept
                letter.stackTrace(),
                letter.attempts(),
                letter.lastFailedAt(),
                letter.redriveCount(),
                letter.instance());
    }

    private String headersJson(Map<String, String> headers) {
        if (headers.isEmpty()) {
            return "{}";
        }
        try {
            return headersWriter.writeValueAsString(headers);
        } catch (JsonProcessingException e) {
            // a Map<String, String> always serializes unless the user's mapper is configured against it
            throw new IllegalStateException("the store's ObjectMapper cannot write headers " + headers, e);
        }
    }

    private Map<String, String> headers(@Nullable String json) {
        if (json == null || json.isEmpty() || json.equals("{}")) {
            return Map.of();
        }
        try {
            return mapper.readValue(json, HEADERS);
        } catch (IOException e) {
            throw new IllegalArgumentException("headers are not a JSON object of strings: " + e.getMessage(), e);
        }
    }

    private static String describe(Object payload) {
        try {
            return String.valueOf(payload);
        } catch (RuntimeException e) {
            return payload.getClass().getName() + " (toString() failed: " + e + ")";
        }
    }

    private static String jsonString(String value) {
        return '"' + new String(JsonStringEncoder.getInstance().quoteAsString(value)) + '"';
    }

    private static int put(String[] fields, int i, String name, String value) {
        fields[i] = name;
        fields[i + 1] = value;
        return i + 2;
    }

    private static String required(Map<String, String> fields, String name) {
        String value = fields.get(name);
        if (value == null) {
            throw new IllegalArgumentException("field " + name + " is missing");
        }
        return value;
    }

    private static Instant instant(Map<String, String> fields, String name) {
        return Instant.parse(required(fields, name));
    }

    private static String orEmpty(@Nullable String value) {
        return value == null ? "" : value;
    }

    private static @Nullable String orNull(@Nullable String value) {
        return value == null || value.isEmpty() ? null : value;
    }
}
