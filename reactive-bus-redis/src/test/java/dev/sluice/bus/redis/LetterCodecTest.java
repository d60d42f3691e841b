package dev.sluice.bus.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.bus.DeadLetter;
import dev.sluice.bus.DeadLetterReason;
import dev.sluice.bus.redis.TestLetters.Order;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LetterCodecTest {

    private final LetterCodec codec = new LetterCodec(new ObjectMapper(), 1024, 256);

    @Test
    void encodesEveryFieldAsAFlatStringInLayoutOrder() {
        DeadLetter letter = TestLetters.letter("billing", "L1");

        Map<String, String> fields = asMap(codec.encode(letter));

        assertThat(new ArrayList<>(fields.keySet())).isEqualTo(LetterCodec.FIELDS);
        assertThat(fields)
                .containsEntry("format", "1")
                .containsEntry("letter_id", "L1")
                .containsEntry("event_id", "event-L1")
                .containsEntry("event_type", "order.placed")
                .containsEntry("event_key", "key-L1")
                .containsEntry("subscriber", "billing")
                .containsEntry("payload", "{\"id\":\"o-L1\",\"quantity\":3,\"note\":\"fragile\"}")
                .containsEntry("published_at", "2026-01-01T00:00:00Z")
                .containsEntry("dead_lettered_at", "2026-01-01T00:00:01Z")
                .containsEntry("last_failed_at", "2026-01-01T00:00:02.123Z")
                .containsEntry("reason", "RETRIES_EXHAUSTED")
                .containsEntry("error_class", "java.io.IOException")
                .containsEntry("cause_class", "java.net.SocketException")
                .containsEntry("attempts", "3")
                .containsEntry("redrive_count", "0")
                .containsEntry("instance", "instance-a");
        assertThat(fields.get("headers")).contains("\"trace-id\":\"t-L1\"").contains("\"tenant\":\"acme\"");
    }

    @Test
    void decodesWhatItEncodedWithThePayloadAsJson() {
        DeadLetter letter = TestLetters.letter("billing", "L1");

        DeadLetter decoded = codec.decode(asMap(codec.encode(letter)));

        assertThat(decoded).usingRecursiveComparison().ignoringFields("payload").isEqualTo(letter);
        assertThat(decoded.payload()).isInstanceOf(JsonPayload.class);
        assertThat(codec.decodePayload(decoded, Order.class)).isEqualTo(letter.payload());
    }

    @Test
    void absentValuesAreEmptyStringsAndReadBackAsAbsent() {
        DeadLetter letter = TestLetters.redriven(TestLetters.letter("billing", "L1"), "again");
        DeadLetter keyless = new DeadLetter(
                letter.letterId(),
                letter.eventId(),
                letter.eventType(),
                null,
                letter.subscriber(),
                "x",
                Map.of(),
                letter.publishedAt(),
                letter.deadLetteredAt(),
                letter.lastFailedAt(),
                letter.reason(),
                null,
                null,
                null,
                null,
                0,
                0,
                "i");

        Map<String, String> fields = asMap(codec.encode(keyless));

        assertThat(fields)
                .containsEntry("event_key", "")
                .containsEntry("error_class", "")
                .containsEntry("error_message", "")
                .containsEntry("cause_class", "")
                .containsEntry("stack_trace", "")
                .containsEntry("headers", "{}");
        assertThat(codec.decode(fields))
                .usingRecursiveComparison()
                .ignoringFields("payload")
                .isEqualTo(keyless);
    }

    @Test
    void aPayloadReadFromRedisIsStoredUnchanged() {
        DeadLetter read = codec.decode(asMap(codec.encode(TestLetters.letter("billing", "L1"))));

        Map<String, String> again = asMap(codec.encode(TestLetters.redriven(read, "again")));

        assertThat(again.get("payload")).isEqualTo(((JsonPayload) read.payload()).json());
    }

    @Test
    void anUnserializablePayloadIsStoredAsSerializationFailedWithWhatCouldBeCaptured() {
        DeadLetter letter = TestLetters.letter("billing", "L1", new Unserializable());
        LetterCodec codec = new LetterCodec(new ObjectMapper(), 1024, 8192);

        Map<String, String> fields = asMap(codec.encode(letter));

        assertThat(fields.get("reason")).isEqualTo("SERIALIZATION_FAILED");
        assertThat(fields.get("error_class")).startsWith("com.fasterxml.jackson");
        assertThat(fields.get("error_message"))
                .contains("could not be serialized")
                .contains("the letter was RETRIES_EXHAUSTED after java.io.IOException: connection reset by peer");
        assertThat(fields.get("cause_class")).isEqualTo("java.io.IOException");
        assertThat(fields.get("stack_trace")).isEqualTo(letter.stackTrace());
        assertThat(fields.get("payload")).isEqualTo("\"Unserializable[secret=\\\"quoted\\\"]\"");
        DeadLetter decoded = codec.decode(fields);
        assertThat(decoded.reason()).isEqualTo(DeadLetterReason.SERIALIZATION_FAILED);
        assertThat(codec.decodePayload(decoded, String.class)).isEqualTo("Unserializable[secret=\"quoted\"]");
    }

    @Test
    void longPayloadsStackTracesAndMessagesAreCutWithAVisibleMarker() {
        String note = "n".repeat(2_000);
        DeadLetter letter = TestLetters.letter("billing", "L1", new Order("o", 1, note));
        DeadLetter long_ = letter.withFailure(
                letter.reason(),
                letter.errorClass(),
                "m".repeat(300),
                letter.causeClass(),
                "s".repeat(1_000),
                1,
                letter.lastFailedAt(),
                0,
                "i");

        Map<String, String> fields = asMap(codec.encode(long_));

        assertThat(fields.get("payload"))
                .hasSize(1024 + "…[truncated 1009 bytes]".length())
                .endsWith("…[truncated 1009 bytes]");
        assertThat(fields.get("stack_trace")).isEqualTo("s".repeat(256) + "…[truncated 744 bytes]");
        assertThat(fields.get("error_message")).isEqualTo("m".repeat(256) + "…[truncated 44 bytes]");
        DeadLetter decoded = codec.decode(fields);
        assertThat(((JsonPayload) decoded.payload()).truncated()).isTrue();
        assertThatThrownBy(() -> codec.decodePayload(decoded, Order.class))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("letter L1")
                .hasMessageContaining("truncated");
    }

    @Test
    void aPayloadOfAnotherShapeFailsToDecodeNamingTheLetterAndType() {
        DeadLetter letter = TestLetters.letter("billing", "L1", new JsonPayload("{\"unexpected\":true}"));

        assertThatThrownBy(() -> codec.decodePayload(letter, Order.class))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("letter L1")
                .hasMessageContaining(Order.class.getName());
        assertThatThrownBy(() -> codec.decodePayload(
                        TestLetters.letter("billing", "L2", new JsonPayload("{not json")), Order.class))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("letter L2");
    }

    @Test
    void anEntryOfAnotherFormatIsRejectedNamingIt() {
        Map<String, String> fields = asMap(codec.encode(TestLetters.letter("billing", "L1")));
        fields.put("format", "2");

        assertThatThrownBy(() -> codec.decode(fields))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("format '2'");
    }

    @Test
    void decodesTheFlatListAScriptReturns() {
        DeadLetter letter = TestLetters.letter("billing", "L1");

        DeadLetter decoded = codec.decode(List.of((Object[]) codec.encode(letter)));

        assertThat(decoded).usingRecursiveComparison().ignoringFields("payload").isEqualTo(letter);
    }

    static Map<String, String> asMap(String[] flat) {
        Map<String, String> map = new java.util.LinkedHashMap<>();
        for (int i = 0; i < flat.length; i += 2) {
            map.put(flat[i], flat[i + 1]);
        }
        return map;
    }

    /** Jackson fails on it: its getter throws. */
    static final class Unserializable {
        public String getSecret() {
            throw new IllegalStateException("no");
        }

        @Override
        public String toString() {
            return "Unserializable[secret=\"quoted\"]";
        }
    }
}
