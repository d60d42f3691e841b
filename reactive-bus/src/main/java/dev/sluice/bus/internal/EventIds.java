package dev.sluice.bus.internal;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Time-ordered ids in the UUIDv7 layout (RFC 9562): 48 bits of Unix milliseconds, then random bits from
 * {@link ThreadLocalRandom}. Not {@code UUID.randomUUID()}: its first call reads {@code /dev/urandom}, a blocking read
 * on whatever thread happens to publish first (docs/DESIGN.md promise 5). Unique enough for ids, not for secrets.
 */
final class EventIds {

    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.ISO_8859_1);

    private static final byte DASH = '-';

    private EventIds() {}

    /** Return a new id for the Unix time {@code epochMillis}, as 36-character lowercase text. */
    public static String next(long epochMillis) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long high = (epochMillis << 16) | 0x7000L | (random.nextInt() & 0x0FFFL);
        long low = (random.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        // Latin-1 bytes: the String copies them once; a char[] would first be compressed into a second array
        byte[] text = new byte[36];
        hex(high >>> 32, text, 0, 8);
        text[8] = DASH;
        hex(high >>> 16, text, 9, 4);
        text[13] = DASH;
        hex(high, text, 14, 4);
        text[18] = DASH;
        hex(low >>> 48, text, 19, 4);
        text[23] = DASH;
        hex(low, text, 24, 12);
        return new String(text, StandardCharsets.ISO_8859_1);
    }

    private static void hex(long value, byte[] text, int offset, int digits) {
        for (int i = digits - 1; i >= 0; i--) {
            text[offset + i] = HEX[(int) (value & 0xF)];
            value >>>= 4;
        }
    }
}
