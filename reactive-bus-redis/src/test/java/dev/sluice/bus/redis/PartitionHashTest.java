package dev.sluice.bus.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class PartitionHashTest {

    @Test
    void matchesTheReferenceMurmur3X86With32BitsAndSeedZero() {
        // reference values of MurmurHash3_x86_32 (Appleby's SMHasher), seed 0; every tail length 0-3 is covered
        assertThat(hash("")).isEqualTo(0);
        assertThat(hash("a")).isEqualTo(0x3c2569b2);
        assertThat(hash("ab")).isEqualTo(0x9bbfd75f);
        assertThat(hash("abc")).isEqualTo(0xb3dd93fa);
        assertThat(hash("abcd")).isEqualTo(0x43ed676a);
        assertThat(hash("hello")).isEqualTo(0x248bfa47);
        assertThat(hash("The quick brown fox jumps over the lazy dog")).isEqualTo(0x2e4ff723);
    }

    @Test
    void hashesTheUtf8BytesOfTheKey() {
        assertThat(PartitionHash.murmur3("Größe".getBytes(StandardCharsets.UTF_8)))
                .isEqualTo(PartitionHash.murmur3(
                        new byte[] {0x47, 0x72, (byte) 0xc3, (byte) 0xb6, (byte) 0xc3, (byte) 0x9f, 0x65}));
    }

    @Test
    void partitionIsNeverNegativeAndStable() {
        for (int i = 0; i < 10_000; i++) {
            String key = "order-" + i;

            int partition = PartitionHash.partition(key, 16);

            assertThat(partition).isBetween(0, 15).isEqualTo(PartitionHash.partition(key, 16));
            assertThat(partition).isEqualTo(Math.floorMod(hash(key), 16));
        }
    }

    private static int hash(String text) {
        return PartitionHash.murmur3(text.getBytes(StandardCharsets.UTF_8));
    }
}
