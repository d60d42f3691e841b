package dev.sluice.bus.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class IsoInstantTest {

    @Test
    void formatsAsInstantToStringDoesAtTheEdges() {
        Instant[] edges = {
            Instant.EPOCH,
            Instant.ofEpochSecond(-1),
            Instant.ofEpochSecond(0, 1),
            Instant.ofEpochSecond(0, 1_000),
            Instant.ofEpochSecond(0, 1_000_000),
            Instant.ofEpochSecond(0, 999_999_999),
            Instant.parse("2026-01-01T00:00:02.123Z"),
            Instant.parse("2000-02-29T23:59:59.100Z"),
            Instant.parse("1900-03-01T00:00:00Z"),
            Instant.parse("0000-01-01T00:00:00Z"),
            Instant.parse("9999-12-31T23:59:59.999999999Z"),
            Instant.parse("+10000-01-01T00:00:00Z"),
            Instant.parse("-0001-12-31T23:59:59Z"),
            Instant.MIN,
            Instant.MAX
        };

        for (Instant instant : edges) {
            assertThat(IsoInstant.format(instant)).as("%s", instant).isEqualTo(instant.toString());
        }
    }

    @Test
    void formatsAsInstantToStringDoesForRandomInstants() {
        SplittableRandom random = new SplittableRandom(42);

        for (int i = 0; i < 200_000; i++) {
            long seconds = random.nextLong(-62_167_219_200L - 1_000, 253_402_300_799L + 1_000);
            int nanos =
                    switch (i % 4) {
                        case 0 -> 0;
                        case 1 -> random.nextInt(1_000) * 1_000_000;
                        case 2 -> random.nextInt(1_000_000) * 1_000;
                        default -> random.nextInt(1_000_000_000);
                    };
            Instant instant = Instant.ofEpochSecond(seconds, nanos);

            assertThat(IsoInstant.format(instant)).as("%s", instant).isEqualTo(instant.toString());
        }
    }
}
