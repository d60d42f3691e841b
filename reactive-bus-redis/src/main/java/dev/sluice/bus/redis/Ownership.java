package dev.sluice.bus.redis;

/**
 * This instance's hold of one partition under one lease generation, as it sees it locally (issue 13, guarantee 4).
 * Times are {@link System#nanoTime()} readings: the monotonic clock, so a wall-clock step never stretches a lease.
 * Immutable; {@link OwnershipTable} swaps one for the next.
 *
 * @param partition the partition
 * @param generation the fencing generation the lease was claimed under
 * @param token the lease's value, {@code <instance>:<generation>}
 * @param deadline when the lease ends by the local clock: the time the claim or last renewal was <em>sent</em> plus
 *     the lease time, so never later than its end in Redis
 * @param readableAt when its entries may first be read and handled: when the claim's answer came (after the old
 *     lease had ended in Redis) after a clean release, plus the subscriber's worst-case attempt after an unclean end
 *     (the dead owner's last handler has ended by then)
 * @param recovering whether its pending entries are still being claimed (they come before any new entry)
 * @param cursor the first entry id the pending claims have not looked at yet
 * @param unclean whether the last owner ended without releasing: its pending entries' delivery count goes up by one
 * @param draining whether this instance is giving the partition up: nothing more is read or started, and the lease
 *     is released once its entries in flight were acknowledged or released
 */
record Ownership(
        int partition,
        long generation,
        String token,
        long deadline,
        long readableAt,
        boolean recovering,
        String cursor,
        boolean unclean,
        boolean draining) {

    /** The first entry id of every stream, where pending claims start. */
    static final String FIRST_ID = "0-0";

    /** Return a fresh hold: recovering its pending entries from the stream's start. */
    static Ownership claimed(
            int partition, long generation, String token, long deadline, long readableAt, boolean unclean) {
        return new Ownership(partition, generation, token, deadline, readableAt, true, FIRST_ID, unclean, false);
    }

    /** Return this hold with the lease renewed until {@code newDeadline} (never moved back). */
    Ownership renewed(long newDeadline) {
        long later = newDeadline - deadline > 0 ? newDeadline : deadline;
        return new Ownership(partition, generation, token, later, readableAt, recovering, cursor, unclean, draining);
    }

    /** Return this hold with the pending claims moved on to {@code next}, finished if {@code done}. */
    Ownership advanced(String next, boolean done) {
        return new Ownership(partition, generation, token, deadline, readableAt, !done, next, unclean, draining);
    }

    /** Return this hold being given up. */
    Ownership drain() {
        return new Ownership(partition, generation, token, deadline, readableAt, recovering, cursor, unclean, true);
    }

    /**
     * Return whether a handler of this generation may start at {@code now}: held, not draining, and at least {@code
     * margin} ns before the local deadline.
     */
    boolean startable(long now, long margin) {
        return !draining && deadline - margin - now > 0;
    }

    /**
     * Return whether its streams may be read at {@code now} by a read that blocks up to {@code block} ns: readable,
     * not draining, and the read ends with {@code margin} to spare before the local deadline, so no entry is delivered
     * to this instance after another could have claimed the partition.
     */
    boolean readable(long now, long block, long margin) {
        return !draining && now - readableAt >= 0 && deadline - margin - block - now > 0;
    }
}
