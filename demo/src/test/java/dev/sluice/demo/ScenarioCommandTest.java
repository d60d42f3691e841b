package dev.sluice.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class ScenarioCommandTest {

    @Test
    void parsesRedriveDelays() {
        assertThat(ScenarioCommand.durations("1s, 2s,250ms,1m"))
                .containsExactly(
                        Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofMillis(250), Duration.ofMinutes(1));
    }

    @Test
    void rejectsWhatIsNotADuration() {
        assertThatThrownBy(() -> ScenarioCommand.duration("soon")).hasMessageContaining("'soon'");
    }
}
