package dev.sluice.bus.redis;

import java.time.Instant;

/**
 * Formats an {@link Instant} exactly as {@link Instant#toString()} does (ISO-8601 UTC, {@code
 * 2026-01-01T00:00:02.123Z}) without {@code DateTimeFormatter}, whose per-call formatting context was a visible share of
 * a dead-letter write (three timestamps per letter). Years outside 0–9999, which ISO prints with a sign, go to {@link
 * Instant#toString()}. Stateless.
 */
final class IsoInstant {

    private static final long SECONDS_PER_DAY = 86_400;
    // 0000-01-01T00:00:00Z and 9999-12-31T23:59:59Z in epoch seconds
    private static final long MIN_SECOND = -62_167_219_200L;
    private static final long MAX_SECOND = 253_402_300_799L;

    private IsoInstant() {}

    /** Return {@code instant.toString()}. */
    static String format(Instant instant) {
        long seconds = instant.getEpochSecond();
        if (seconds < MIN_SECOND || seconds > MAX_SECOND) {
            return instant.toString();
        }
        long days = Math.floorDiv(seconds, SECONDS_PER_DAY);
        int secondOfDay = (int) Math.floorMod(seconds, SECONDS_PER_DAY);
        // civil date from days since 1970-01-01 (Howard Hinnant, "chrono-compatible low-level date algorithms")
        long z = days + 719_468;
        long era = Math.floorDiv(z, 146_097);
        long dayOfEra = z - era * 146_097;
        long yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365;
        long dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100);
        long shiftedMonth = (5 * dayOfYear + 2) / 153;
        int day = (int) (dayOfYear - (153 * shiftedMonth + 2) / 5 + 1);
        int month = (int) (shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9);
        int year = (int) (yearOfEra + era * 400 + (month <= 2 ? 1 : 0));

        int nanos = instant.getNano();
        char[] out = new char[30];
        digits(out, 0, year, 4);
        out[4] = '-';
        digits(out, 5, month, 2);
        out[7] = '-';
        digits(out, 8, day, 2);
        out[10] = 'T';
        digits(out, 11, secondOfDay / 3_600, 2);
        out[13] = ':';
        digits(out, 14, secondOfDay / 60 % 60, 2);
        out[16] = ':';
        digits(out, 17, secondOfDay % 60, 2);
        int end = 19;
        if (nanos > 0) {
            // as ISO_INSTANT: groups of three digits, as many as needed
            out[end++] = '.';
            if (nanos % 1_000_000 == 0) {
                end = digits(out, end, nanos / 1_000_000, 3);
            } else if (nanos % 1_000 == 0) {
                end = digits(out, end, nanos / 1_000, 6);
            } else {
                end = digits(out, end, nanos, 9);
            }
        }
        out[end++] = 'Z';
        return new String(out, 0, end);
    }

    /** Write {@code value} as exactly {@code width} decimal digits at {@code at}; return the index after them. */
    private static int digits(char[] out, int at, int value, int width) {
        for (int i = at + width - 1; i >= at; i--) {
            out[i] = (char) ('0' + value % 10);
            value /= 10;
        }
        return at + width;
    }
}
