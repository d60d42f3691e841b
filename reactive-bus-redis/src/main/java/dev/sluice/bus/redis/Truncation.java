package dev.sluice.bus.redis;

import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/** Cuts a value to a size limit in UTF-8 bytes, marking the cut visibly (docs/DESIGN.md, "Dead letters in Redis"). */
final class Truncation {

    private static final Pattern MARKER = Pattern.compile("…\\[truncated \\d+ bytes]$");

    private Truncation() {}

    /**
     * Return {@code value} if it fits in {@code maxBytes} UTF-8 bytes, else its longest prefix that does (never
     * splitting a character) followed by {@code …[truncated N bytes]}, N being the bytes cut off. The marker is not
     * counted in the limit.
     */
    static String truncate(String value, int maxBytes) {
        // a char is at most 3 UTF-8 bytes (a surrogate pair, 2 chars, is 4): most values need no encoding
        if ((long) value.length() * 3 <= maxBytes) {
            return value;
        }
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        if (bytes.length <= maxBytes) {
            return value;
        }
        int cut = maxBytes;
        while (cut > 0 && (bytes[cut] & 0xC0) == 0x80) {
            cut--; // back to the start of the character the limit falls in
        }
        return new String(bytes, 0, cut, StandardCharsets.UTF_8) + "…[truncated " + (bytes.length - cut) + " bytes]";
    }

    /** Return whether {@code value} ends with a truncation marker. */
    static boolean isTruncated(String value) {
        return value.endsWith(" bytes]") && MARKER.matcher(value).find();
    }
}
