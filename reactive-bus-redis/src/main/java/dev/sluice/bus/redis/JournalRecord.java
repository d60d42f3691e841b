package dev.sluice.bus.redis;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * One journal line: a letter's entry fields exactly as they would have gone to Redis, and its due time, e.g.
 * {@code {"v":1,"due":1700000000000,"fields":{"format":"1","letter_id":"…",…}}} ({@code due} null when not
 * scheduled). Replay sends the fields through the same idempotent write script, so a line replayed twice stores one
 * letter. Immutable.
 *
 * @param fields field, value, field, value… in {@link LetterCodec#FIELDS} order
 * @param dueMillis the due time in epoch ms, or null
 */
record JournalRecord(String[] fields, @Nullable Long dueMillis) {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int VERSION = 1;

    /** Return the subscriber named in the fields. */
    String subscriber() {
        return field("subscriber");
    }

    /** Return the letter id named in the fields. */
    String letterId() {
        return field("letter_id");
    }

    private String field(String name) {
        for (int i = 0; i + 1 < fields.length; i += 2) {
            if (fields[i].equals(name)) {
                return fields[i + 1];
            }
        }
        throw new IllegalArgumentException("journal record has no " + name);
    }

    /** Return this record as one line of JSON (no newline). */
    String toLine() {
        ObjectNode node = JSON.createObjectNode();
        node.put("v", VERSION);
        if (dueMillis == null) {
            node.putNull("due");
        } else {
            node.put("due", dueMillis);
        }
        ObjectNode body = node.putObject("fields");
        for (int i = 0; i + 1 < fields.length; i += 2) {
            body.put(fields[i], fields[i + 1]);
        }
        try {
            return JSON.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a tree of strings always serializes", e);
        }
    }

    /**
     * Parse a line written by {@link #toLine()}.
     *
     * @throws IllegalArgumentException if the line is not such a record (a torn last line after a crash, say)
     */
    static JournalRecord parse(String line) {
        JsonNode node;
        try {
            node = JSON.readTree(line);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not a journal record: " + e.getOriginalMessage(), e);
        }
        if (node == null
                || node.path("v").asInt() != VERSION
                || !node.path("fields").isObject()) {
            throw new IllegalArgumentException("not a version " + VERSION + " journal record");
        }
        JsonNode due = node.path("due");
        JsonNode body = node.get("fields");
        String[] fields = new String[body.size() * 2];
        int i = 0;
        for (Iterator<Map.Entry<String, JsonNode>> it = body.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            fields[i++] = field.getKey();
            fields[i++] = field.getValue().asText();
        }
        JournalRecord record = new JournalRecord(fields, due.isNumber() ? due.asLong() : null);
        record.letterId(); // must name its letter and subscriber, or it cannot be replayed
        record.subscriber();
        return record;
    }
}
