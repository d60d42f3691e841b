package dev.sluice.demo;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/** The demo's one Jackson {@link ObjectMapper} (thread-safe once configured) and small helpers around it. */
final class Json {

    /** Strict: unknown properties and a missing primitive are errors, so a typo is a {@code 400}, not a default. */
    static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private Json() {}

    static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    /** Return {@code value} as ISO-8601 text, or null. */
    static @Nullable String time(@Nullable Instant value) {
        return value == null ? null : value.toString();
    }

    /**
     * Return a payload as JSON: stores that keep objects give the object, stores that serialize give JSON text, which
     * is parsed back so the API shows a JSON value either way.
     */
    static JsonNode payload(Object payload) {
        if (payload instanceof String text) {
            try {
                return MAPPER.readTree(text);
            } catch (JsonProcessingException e) {
                return MAPPER.getNodeFactory().textNode(text);
            }
        }
        return MAPPER.valueToTree(payload);
    }

    static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(
                    "cannot write JSON for " + value.getClass().getName(), e);
        }
    }
}
