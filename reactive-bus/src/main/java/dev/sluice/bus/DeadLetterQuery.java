package dev.sluice.bus;

import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Which dead letters to list or count: one subscriber's, optionally narrowed by event type, reason and a time range
 * on {@code deadLetteredAt} ({@code from} inclusive, {@code to} exclusive). Immutable.
 *
 * @param subscriber the subscriber whose letters to read
 * @param eventType only this event type, or null for all
 * @param reason only this reason, or null for all
 * @param from only letters dead-lettered at or after this instant, or null
 * @param to only letters dead-lettered before this instant, or null
 * @param limit at most this many letters (list only), 1 to 10,000
 * @param newestFirst order of a listing
 */
public record DeadLetterQuery(
        String subscriber,
        @Nullable String eventType,
        @Nullable DeadLetterReason reason,
        @Nullable Instant from,
        @Nullable Instant to,
        int limit,
        boolean newestFirst) {

    /** Default and maximum page sizes. */
    public static final int DEFAULT_LIMIT = 100, MAX_LIMIT = 10_000;

    /** Validate the query. */
    public DeadLetterQuery {
        Objects.requireNonNull(subscriber, "subscriber");
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new IllegalArgumentException("limit must be in 1.." + MAX_LIMIT + ", but was " + limit);
        }
        if (from != null && to != null && !from.isBefore(to)) {
            throw new IllegalArgumentException("from (" + from + ") must be before to (" + to + ")");
        }
    }

    /** Return a query for all of {@code subscriber}'s letters, oldest first, {@value #DEFAULT_LIMIT} at most. */
    public static DeadLetterQuery of(String subscriber) {
        return new DeadLetterQuery(subscriber, null, null, null, null, DEFAULT_LIMIT, false);
    }

    /** Return whether {@code letter} matches (subscriber, type, reason, time range). */
    public boolean matches(DeadLetter letter) {
        return letter.subscriber().equals(subscriber)
                && (eventType == null || eventType.equals(letter.eventType()))
                && (reason == null || reason == letter.reason())
                && (from == null || !letter.deadLetteredAt().isBefore(from))
                && (to == null || letter.deadLetteredAt().isBefore(to));
    }
}
