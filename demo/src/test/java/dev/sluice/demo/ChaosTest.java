package dev.sluice.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ChaosTest {

    @Test
    void changesOnlyTheFieldsGiven() {
        Chaos.Settings calm = Chaos.Settings.CALM;

        Chaos.Settings outage = calm.with(null, null, true);
        Chaos.Settings slow = outage.with(null, 300L, false);

        assertThat(outage).isEqualTo(new Chaos.Settings(0, 0, true));
        assertThat(slow).isEqualTo(new Chaos.Settings(0, 300, false));
    }

    @Test
    void rejectsValuesOutOfRangeNamingThem() {
        assertThatThrownBy(() -> new Chaos.Settings(1.5, 0, false))
                .hasMessageContaining("errorRate")
                .hasMessageContaining("1.5");
        assertThatThrownBy(() -> new Chaos.Settings(Double.NaN, 0, false)).hasMessageContaining("errorRate");
        assertThatThrownBy(() -> new Chaos.Settings(0, -1, false)).hasMessageContaining("latencyMs");
    }
}
