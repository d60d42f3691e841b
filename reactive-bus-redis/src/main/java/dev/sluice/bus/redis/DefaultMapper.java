package dev.sluice.bus.redis;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

/**
 * The Jackson mapper of the transport's entries and the store's letters unless the builder is given one. It has
 * {@code java.time} support (ISO-8601 text, not numbers), so a payload with an {@code Instant} is written, not turned
 * into a {@code SERIALIZATION_FAILED} letter; it ignores unknown properties, so that JSON written by a newer payload
 * class with more fields still reads during a rolling upgrade; and it has no polymorphic default typing: entries and
 * letters are data from outside the process, and a mapper that instantiates classes named in the JSON would turn them
 * into a gadget-chain risk. One mapper for both, so a durable entry's payload and its dead letter's read alike.
 */
final class DefaultMapper {

    private DefaultMapper() {}

    /** Return a new default mapper. */
    static ObjectMapper create() {
        return JsonMapper.builder()
                .addModule(new JavaTimeModule())
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .disable(DeserializationFeature.ADJUST_DATES_TO_CONTEXT_TIME_ZONE)
                .build();
    }
}
