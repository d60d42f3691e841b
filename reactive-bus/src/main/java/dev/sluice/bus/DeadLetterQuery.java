package dev.sluice.bus;

import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Which dead letters to list, count or redrive: one subscriber's live (or parked) letters, optionally narrowed by event
 * type, reason and a time range on {@code deadLetteredAt} ({@code from} inclusive, {@code to} exclusive), paged by
 * {@code offset} and {@code limit}. Immutable; start from {@link #of(String)} and narrow with the {@code with…}
 * methods.
 *
 * <p>Order is the store's order of (re)writing: a letter replaced after a failed redrive moves to the newest end.
 * Offset paging is stable while no letter of the subscriber is written, replaced or deleted.
 *
 * @param subscriber the subscriber whose letters to read
 * @param eventType only this event type, or null for all
 * @param reason only this reason, or null for all
 * @param from only letters dead-lettered at or after this instant, or null
 * @param to only letters dead-lettered before this instant, or null
 * @param parked parked letters instead of live ones
 * @param offset skip this many matching letters first (list only), at least 0
 * @param limit at most this many letters (list and redrive), 1 to {@value #MAX_LIMIT}
 * @param newestFirst order of a listing
 */
public record DeadLetterQuery(
        String subscriber,
        @Nullable String eventType,
        @Nullable DeadLetterReason reason,
        @Nullable Instant from,
        @Nullable Instant to,
        boolean parked,
        int offset,
        int limit,
        boolean newestFirst) {

    /** Default and maximum page sizes. */
    public static final int DEFAULT_LIMIT = 100, MAX_LIMIT = 10_000;

    /**
     * Validate the query.
     *
     * @throws NullPointerException if {@code subscriber} is null
     * @throws IllegalArgumentException naming the value if {@code offset} is negative, {@code limit} is out of range,
     *     or {@code from} is not before {@code to}
     */
    public DeadLetterQuery {
        Objects.requireNonNull(subscriber, "subscriber");
        if (offset < 0) {
            throw new IllegalArgumentException("offset must be >= 0, but was " + offset);
        }
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new IllegalArgumentException("limit must be in 1.." + MAX_LIMIT + ", but was " + limit);
        }
        if (from != null && to != null && !from.isBefore(to)) {
            throw new IllegalArgumentException("from (" + from + ") must be before to (" + to + ")");
        }
    }

    /** Return a query for all of {@code subscriber}'s live letters, oldest first, {@value #DEFAULT_LIMIT} at most. */
    public static DeadLetterQuery of(String subscriber) {
        return new DeadLetterQuery(subscriber, null, null, null, null, false, 0, DEFAULT_LIMIT, false);
    }

    /** Return this query narrowed to {@code eventType} (null: any). */
    public DeadLetterQuery withEventType(@Nullable String eventType) {
        return new DeadLetterQuery(subscriber, eventType, reason, from, to, parked, offset, limit, newestFirst);
    }

    /** Return this query narrowed to {@code reason} (null: any). */
    public DeadLetterQuery withReason(@Nullable DeadLetterReason reason) {
        return new DeadLetterQuery(subscriber, eventType, reason, from, to, parked, offset, limit, newestFirst);
    }

    /** Return this query narrowed to letters dead-lettered in [{@code from}, {@code to}) (either null: open). */
    public DeadLetterQuery withTimeRange(@Nullable Instant from, @Nullable Instant to) {
        return new DeadLetterQuery(subscriber, eventType, reason, from, to, parked, offset, limit, newestFirst);
    }

    /** Return this query for parked ({@code true}) or live letters. */
    public DeadLetterQuery withParked(boolean parked) {
        return new DeadLetterQuery(subscriber, eventType, reason, from, to, parked, offset, limit, newestFirst);
    }

    /** Return this query with another page: skip {@code offset} matches, then at most {@code limit}. */
    public DeadLetterQuery withPage(int offset, int limit) {
        return new DeadLetterQuery(subscriber, eventType, reason, from, to, parked, offset, limit, newestFirst);
    }

    /** Return this query listing newest ({@code true}) or oldest first. */
    public DeadLetterQuery withNewestFirst(boolean newestFirst) {
        return new DeadLetterQuery(subscriber, eventType, reason, from, to, parked, offset, limit, newestFirst);
    }

    /** Return whether {@code letter} matches (subscriber, type, reason, time range; not the live/parked side). */
    public boolean matches(DeadLetter letter) {
        return letter.subscriber().equals(subscriber)
                && (eventType == null || eventType.equals(letter.eventType()))
                && (reason == null || reason == letter.reason())
                && (from == null || !letter.deadLetteredAt().isBefore(from))
                && (to == null || letter.deadLetteredAt().isBefore(to));
    }
}
