package dev.sluice.bus.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class JournalRecordTest {

    private final LetterCodec codec = new LetterCodec(new ObjectMapper(), 1024, 1024);

    @Test
    void aLineIsOneJsonObjectThatParsesBackToTheSameFieldsAndDueTime() {
        String[] fields = codec.encode(TestLetters.letter("billing", "L1"));
        JournalRecord record = new JournalRecord(fields, 1_700_000_000_000L);

        String line = record.toLine();
        JournalRecord parsed = JournalRecord.parse(line);

        assertThat(line).doesNotContain("\n").startsWith("{\"v\":1,\"due\":1700000000000,\"fields\":{\"format\":\"1\"");
        assertThat(parsed.fields()).containsExactly(fields);
        assertThat(parsed.dueMillis()).isEqualTo(1_700_000_000_000L);
        assertThat(parsed.letterId()).isEqualTo("L1");
        assertThat(parsed.subscriber()).isEqualTo("billing");
    }

    @Test
    void anUnscheduledLetterHasANullDueTime() {
        JournalRecord record = new JournalRecord(codec.encode(TestLetters.letter("billing", "L1")), null);

        assertThat(JournalRecord.parse(record.toLine()).dueMillis()).isNull();
    }

    @Test
    void aLineTornByACrashIsRejected() {
        String line = new JournalRecord(codec.encode(TestLetters.letter("billing", "L1")), null).toLine();

        assertThatThrownBy(() -> JournalRecord.parse(line.substring(0, line.length() / 2)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a journal record");
        assertThatThrownBy(() -> JournalRecord.parse("{\"v\":1,\"due\":null,\"fields\":{}}"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("letter_id");
    }
}
