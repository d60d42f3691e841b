package dev.sluice.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class LatencyRecorderTest {

    @Test
    void countsOnlyTheFirstOutcomeOfEachEventPerSubscriber() {
        LatencyRecorder recorder = new LatencyRecorder(10);
        Instant now = Instant.now();

        recorder.outcome("email", "e1", now);
        recorder.outcome("email", "e1", now.minusSeconds(60)); // a later redrive of the same event
        recorder.outcome("inventory", "e1", now);

        assertThat(recorder.summary()[3]).isEqualTo(2);
        assertThat(recorder.summary()[2]).isLessThan(60_000);
    }

    @Test
    void summaryOfNothingIsZeros() {
        assertThat(new LatencyRecorder(1).summary()).containsExactly(0, 0, 0, 0);
    }
}
