package dev.sluice.bus.redis;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import dev.sluice.bus.Event;
import dev.sluice.bus.EventType;
import dev.sluice.bus.spi.Undecodable;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * Turns a durable event into the flat string fields of its partition entry and back (docs/durable-events.md, "Stream
 * layout"): {@code id}, {@code type}, {@code key} (absent when null), {@code headers} (a JSON object of strings),
 * {@code payload} (the payload's JSON), {@code published_at} (ISO-8601 UTC) and {@code format} ({@code
 * json;v=<schemaVersion>}). Any Redis client can read them. Decoding never throws: an entry whose payload or envelope
 * cannot be read becomes an {@link Undecodable} with what could be read. Thread-safe (Jackson readers and writers are).
 *
 * <p>The mapper is the builder's, else {@link DefaultMapper} ({@code java.time}, unknown properties ignored, no
 * polymorphic default typing).
 */
final class EntryCodec {

    /** Field names of an entry. */
    static final String ID = "id";

    static final String TYPE = "type";
    static final String KEY = "key";
    static final String HEADERS = "headers";
    static final String PAYLOAD = "payload";
    static final String PUBLISHED_AT = "published_at";
    static final String FORMAT = "format";

    /** The prefix of the {@code format} field; the schema version follows it. */
    static final String FORMAT_PREFIX = "json;v=";

    private static final TypeReference<Map<String, String>> HEADER_MAP = new TypeReference<>() {};
    private static final String EMPTY_HEADERS = "{}";

    private final ObjectMapper mapper;
    private final ObjectWriter payloadWriter;
    private final ObjectWriter headersWriter;
    private final ObjectReader headersReader;
    private final Map<Class<?>, ObjectReader> readers = new ConcurrentHashMap<>();

    EntryCodec(ObjectMapper mapper) {
        this.mapper = mapper;
        this.payloadWriter = mapper.writer();
        this.headersWriter = mapper.writerFor(HEADER_MAP);
        this.headersReader = mapper.readerFor(HEADER_MAP);
    }

    /**
     * Return {@code event}'s entry as field, value, field, value…, its format tagged with {@code schemaVersion}.
     *
     * @throws JsonProcessingException if the mapper cannot write the payload or headers
     */
    String[] encode(Event<?> event, int schemaVersion) throws JsonProcessingException {
        String payload = payloadWriter.writeValueAsString(event.payload());
        String headers = event.headers().isEmpty() ? EMPTY_HEADERS : headersWriter.writeValueAsString(event.headers());
        String key = event.key();
        String format = FORMAT_PREFIX + schemaVersion;
        String publishedAt = IsoInstant.format(event.publishedAt());
        if (key == null) {
            return new String[] {
                ID, event.id(),
                TYPE, event.type().name(),
                HEADERS, headers,
                PAYLOAD, payload,
                PUBLISHED_AT, publishedAt,
                FORMAT, format
            };
        }
        return new String[] {
            ID, event.id(),
            TYPE, event.type().name(),
            KEY, key,
            HEADERS, headers,
            PAYLOAD, payload,
            PUBLISHED_AT, publishedAt,
            FORMAT, format
        };
    }

    /** Decode {@code fields} as an event of {@code type}; never throws. */
    <T> StreamContext.Decoded<T> decode(EventType<T> type, Map<String, String> fields) {
        String id = fields.get(ID);
        String key = fields.get(KEY);
        String payload = fields.get(PAYLOAD);
        Map<String, String> headers = Map.of();
        Instant publishedAt = Instant.EPOCH;
        try {
            headers = headers(fields.get(HEADERS));
            publishedAt = Instant.parse(required(fields, PUBLISHED_AT));
            String format = required(fields, FORMAT);
            if (!format.startsWith(FORMAT_PREFIX)) {
                throw new IllegalArgumentException(
                        "format must start with '" + FORMAT_PREFIX + "', but was '" + format + "'");
            }
            String named = required(fields, TYPE);
            if (!named.equals(type.name())) {
                throw new IllegalArgumentException(
                        "the entry's type is '" + named + "', but it was read as '" + type.name() + "'");
            }
            T value = reader(type.payloadType()).readValue(required(fields, PAYLOAD));
            if (value == null) {
                throw new IllegalArgumentException("the payload is JSON null");
            }
            Event<T> event = new Event<>(required(fields, ID), type, key, value, headers, publishedAt);
            return new StreamContext.Decoded<>(event, null);
        } catch (Exception e) {
            return new StreamContext.Decoded<>(
                    null,
                    new Undecodable(
                            id == null ? "unknown" : id,
                            type.name(),
                            key,
                            // raw, so the letter's payload is the entry's JSON and decodes once the type reads it
                            new JsonPayload(payload == null ? "" : payload),
                            headers,
                            publishedAt,
                            e));
        }
    }

    /** Return the mapper, for callers that decode payloads of their own. */
    ObjectMapper mapper() {
        return mapper;
    }

    private Map<String, String> headers(@Nullable String json) throws JsonProcessingException {
        if (json == null || json.equals(EMPTY_HEADERS)) {
            return Map.of();
        }
        Map<String, String> read = headersReader.readValue(json);
        return read == null ? Map.of() : read;
    }

    private ObjectReader reader(Class<?> type) {
        return readers.computeIfAbsent(type, mapper::readerFor);
    }

    private static String required(Map<String, String> fields, String name) {
        String value = fields.get(name);
        if (value == null) {
            throw new IllegalArgumentException("the entry has no '" + name + "' field");
        }
        return Objects.requireNonNull(value);
    }
}
