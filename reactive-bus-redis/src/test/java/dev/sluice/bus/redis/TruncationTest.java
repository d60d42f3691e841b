package dev.sluice.bus.redis;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TruncationTest {

    @Test
    void keepsValuesWithinTheLimit() {
        assertThat(Truncation.truncate("abc", 3)).isEqualTo("abc");
        assertThat(Truncation.truncate("é".repeat(10), 20)).isEqualTo("é".repeat(10));
    }

    @Test
    void cutsAtTheLimitAndSaysHowManyBytesWentMissing() {
        String cut = Truncation.truncate("x".repeat(100), 64);

        assertThat(cut).isEqualTo("x".repeat(64) + "…[truncated 36 bytes]");
        assertThat(Truncation.isTruncated(cut)).isTrue();
    }

    @Test
    void neverSplitsAMultiByteCharacter() {
        // "é" is 2 bytes in UTF-8: a limit of 5 bytes falls inside the third one
        String cut = Truncation.truncate("é".repeat(100), 5);

        assertThat(cut).isEqualTo("éé…[truncated 196 bytes]");
    }

    @Test
    void anUntruncatedValueEndingLikeAMarkerIsNotOneUnlessItMatches() {
        assertThat(Truncation.isTruncated("[1, 2, 3 bytes]")).isFalse();
        assertThat(Truncation.isTruncated("{\"a\":1}")).isFalse();
    }
}
