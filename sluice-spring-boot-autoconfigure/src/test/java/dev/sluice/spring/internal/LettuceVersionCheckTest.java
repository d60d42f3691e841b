package dev.sluice.spring.internal;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.spring.SluiceConfigurationException;
import org.junit.jupiter.api.Test;

class LettuceVersionCheckTest {

    @Test
    void olderLettuceFailsNamingThePropertyToSet() {
        assertThatThrownBy(() -> LettuceVersionCheck.require("6.8.1.RELEASE"))
                .isInstanceOf(SluiceConfigurationException.class)
                .hasMessageContaining("lettuce.version: '6.8.1.RELEASE'")
                .extracting(e -> ((SluiceConfigurationException) e).action())
                .asString()
                .contains("lettuce.version")
                .contains(LettuceVersionCheck.BUILT_WITH);
    }

    @Test
    void lettuceSevenAndUnknownVersionsPass() {
        assertThatCode(() -> LettuceVersionCheck.require("7.5.2.RELEASE")).doesNotThrowAnyException();
        assertThatCode(() -> LettuceVersionCheck.require(null)).doesNotThrowAnyException();
        assertThatCode(LettuceVersionCheck::require).doesNotThrowAnyException();
    }
}
