package dev.sluice.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class DurationsTest {

    @Test
    void returnsAPositiveDuration() {
        Duration value = Duration.ofNanos(1);

        Duration checked = Durations.requirePositive("timeout", value);

        assertThat(checked).isSameAs(value);
    }

    @Test
    void rejectsZeroNamingTheSettingAndTheValue() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> Durations.requirePositive("timeout", Duration.ZERO))
                .withMessage("timeout must be positive, but was PT0S");
    }

    @Test
    void rejectsANegativeDuration() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> Durations.requirePositive("keyIdleTimeout", Duration.ofSeconds(-1)))
                .withMessage("keyIdleTimeout must be positive, but was PT-1S");
    }

    @Test
    void rejectsNullNamingTheSetting() {
        assertThatNullPointerException()
                .isThrownBy(() -> Durations.requirePositive("deadline", null))
                .withMessage("deadline");
    }
}
