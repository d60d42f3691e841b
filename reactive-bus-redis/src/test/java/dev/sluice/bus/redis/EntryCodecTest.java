package dev.sluice.bus.redis;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.sluice.bus.Durability;
import dev.sluice.bus.Event;
import dev.sluice.bus.EventType;
import dev.sluice.bus.spi.Undecodable;
import java.time.Instant;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EntryCodecTest {

    record Placed(String order, int quantity, Instant at, LocalDate due) {}

    record PlacedV1(String order, int quantity) {}

    private static final EventType<Placed> PLACED =
            EventType.of("order.placed", Placed.class).durable(new Durability(4, 3));

    private final EntryCodec codec = new EntryCodec(DefaultMapper.create());

    @Test
    void writesEveryFieldAsAFlatStringAndReadsItBack() throws JsonProcessingException {
        Event<Placed> event = event("k-1");

        Map<String, String> fields = asMap(codec.encode(event, 3));

        assertThat(fields)
                .containsEntry("id", "0190c7e1-0000-7000-8000-000000000001")
                .containsEntry("type", "order.placed")
                .containsEntry("key", "k-1")
                .containsEntry("headers", "{\"correlation-id\":\"c-1\"}")
                .containsEntry(
                        "payload",
                        "{\"order\":\"o-1\",\"quantity\":2,\"at\":\"2026-03-01T12:00:00.123Z\",\"due\":\"2026-03-05\"}")
                .containsEntry("published_at", "2026-03-01T12:00:01Z")
                .containsEntry("format", "json;v=3")
                .hasSize(7);
        StreamContext.Decoded<Placed> decoded = codec.decode(PLACED, fields);
        assertThat(decoded.undecodable()).isNull();
        assertThat(decoded.event()).isEqualTo(event);
    }

    @Test
    void aNullKeyIsAnAbsentFieldAndEmptyHeadersAnEmptyObject() throws JsonProcessingException {
        Event<Placed> event =
                new Event<>("e-2", PLACED, null, event("k").payload(), Map.of(), Instant.parse("2026-03-01T12:00:01Z"));

        Map<String, String> fields = asMap(codec.encode(event, 1));

        assertThat(fields).doesNotContainKey("key").containsEntry("headers", "{}");
        assertThat(codec.decode(PLACED, fields).event()).isEqualTo(event);
    }

    @Test
    void unknownPropertiesAreIgnoredSoANewerWriterStillReads() throws JsonProcessingException {
        EventType<PlacedV1> older = EventType.of("order.placed", PlacedV1.class).durable();
        Map<String, String> fields = asMap(codec.encode(event("k"), 3));

        StreamContext.Decoded<PlacedV1> decoded = codec.decode(older, fields);

        assertThat(decoded.event()).isNotNull();
        assertThat(decoded.event().payload()).isEqualTo(new PlacedV1("o-1", 2));
    }

    @Test
    void aPayloadThatDoesNotDecodeIsUndecodableWithTheRawPayloadNeverAnException() throws JsonProcessingException {
        Map<String, String> fields = asMap(codec.encode(event("k-9"), 3));
        fields.put("payload", "{\"order\": [not json");

        StreamContext.Decoded<Placed> decoded = codec.decode(PLACED, fields);

        assertThat(decoded.event()).isNull();
        Undecodable undecodable = decoded.undecodable();
        assertThat(undecodable).isNotNull();
        assertThat(undecodable.eventId()).isEqualTo("0190c7e1-0000-7000-8000-000000000001");
        assertThat(undecodable.eventType()).isEqualTo("order.placed");
        assertThat(undecodable.key()).isEqualTo("k-9");
        assertThat(undecodable.payload()).isEqualTo(new JsonPayload("{\"order\": [not json"));
        assertThat(undecodable.headers()).containsEntry("correlation-id", "c-1");
        assertThat(undecodable.publishedAt()).isEqualTo(Instant.parse("2026-03-01T12:00:01Z"));
        assertThat(undecodable.error()).isInstanceOf(JsonProcessingException.class);
    }

    @Test
    void anEntryMissingFieldsOrOfAnotherTypeIsUndecodable() throws JsonProcessingException {
        Map<String, String> wrongType = asMap(codec.encode(event("k"), 3));
        wrongType.put("type", "order.cancelled");
        Map<String, String> noFormat = asMap(codec.encode(event("k"), 3));
        noFormat.remove("format");
        Map<String, String> badTime = asMap(codec.encode(event("k"), 3));
        badTime.put("published_at", "yesterday");

        assertThat(codec.decode(PLACED, wrongType).undecodable().error()).hasMessageContaining("order.cancelled");
        assertThat(codec.decode(PLACED, noFormat).undecodable().error()).hasMessageContaining("'format'");
        assertThat(codec.decode(PLACED, badTime).undecodable().publishedAt()).isEqualTo(Instant.EPOCH);
        assertThat(codec.decode(PLACED, Map.of()).undecodable().eventId()).isEqualTo("unknown");
    }

    private static Event<Placed> event(String key) {
        return new Event<>(
                "0190c7e1-0000-7000-8000-000000000001",
                PLACED,
                key,
                new Placed("o-1", 2, Instant.parse("2026-03-01T12:00:00.123Z"), LocalDate.parse("2026-03-05")),
                Map.of("correlation-id", "c-1"),
                Instant.parse("2026-03-01T12:00:01Z"));
    }

    private static Map<String, String> asMap(String[] fields) {
        Map<String, String> map = new HashMap<>();
        for (int i = 0; i < fields.length; i += 2) {
            map.put(fields[i], fields[i + 1]);
        }
        return map;
    }
}
