package dev.sluice.bus.redis;

import java.nio.charset.StandardCharsets;

/**
 * The partition of a keyed durable event: {@code Math.floorMod(murmur3_32(utf8(key)), partitions)}, where {@code
 * murmur3_32} is Austin Appleby's MurmurHash3, x86 32-bit variant, seed 0, over the key's UTF-8 bytes (the same value
 * as Guava's {@code Hashing.murmur3_32_fixed()} and Kafka-independent). Stable across JVMs, versions and languages, so
 * any client that writes the streams by hand can put a key where Sluice would (docs/durable-events.md, "Partitions and
 * ordering"). Stateless.
 */
final class PartitionHash {

    private static final int C1 = 0xcc9e2d51;
    private static final int C2 = 0x1b873593;

    private PartitionHash() {}

    /** Return the partition of {@code key} among {@code partitions} ({@code >= 1}). */
    static int partition(String key, int partitions) {
        return Math.floorMod(murmur3(key.getBytes(StandardCharsets.UTF_8)), partitions);
    }

    /** Return MurmurHash3 x86 32-bit of {@code data}, seed 0. */
    static int murmur3(byte[] data) {
        int h = 0;
        int blocks = data.length / 4;
        for (int i = 0; i < blocks; i++) {
            int at = i * 4;
            int k = (data[at] & 0xff)
                    | (data[at + 1] & 0xff) << 8
                    | (data[at + 2] & 0xff) << 16
                    | (data[at + 3] & 0xff) << 24;
            h ^= mix(k);
            h = Integer.rotateLeft(h, 13) * 5 + 0xe6546b64;
        }
        int tail = blocks * 4;
        int k = 0;
        switch (data.length & 3) {
            case 3:
                k ^= (data[tail + 2] & 0xff) << 16;
                // fall through
            case 2:
                k ^= (data[tail + 1] & 0xff) << 8;
                // fall through
            case 1:
                k ^= data[tail] & 0xff;
                h ^= mix(k);
                break;
            default:
                break;
        }
        h ^= data.length;
        h ^= h >>> 16;
        h *= 0x85ebca6b;
        h ^= h >>> 13;
        h *= 0xc2b2ae35;
        h ^= h >>> 16;
        return h;
    }

    private static int mix(int k) {
        return Integer.rotateLeft(k * C1, 15) * C2;
    }
}
