package dev.sluice.bus;

/**
 * One subscriber's accounting (docs/DESIGN.md promise 1): {@code offered = delivered + recovered + deadLettered +
 * dropped + released + inFlight}, with {@code inFlight} counted on its own. Exact at quiescence (after close, or when
 * idle); a snapshot taken while events move may be off by the events moving.
 *
 * <p>For a durable subscriber the counts are this instance's: {@code offered} counts the entries it read (an entry
 * read again after a redelivery counts again), and {@code released} the entries it read and handed back
 * unacknowledged on close, dispose or fencing, for the partition's next owner. {@code released} is 0 for in-process
 * subscribers.
 *
 * @param offered events routed to the subscriber (for a durable one: entries this instance read)
 * @param delivered handled successfully
 * @param recovered handled by the fallback
 * @param deadLettered written to the dead-letter store (INBOX_OVERFLOW included)
 * @param dropped dropped (best-effort system-event subscribers only)
 * @param released read and handed back unacknowledged (durable subscribers only)
 * @param inFlight in the inbox, being handled, being dead-lettered, or (durable) being acknowledged
 */
public record SubscriberStats(
        long offered, long delivered, long recovered, long deadLettered, long dropped, long released, long inFlight) {

    /** Create the accounting of a subscriber that released nothing (every in-process subscriber). */
    public SubscriberStats(
            long offered, long delivered, long recovered, long deadLettered, long dropped, long inFlight) {
        this(offered, delivered, recovered, deadLettered, dropped, 0, inFlight);
    }

    /** Return whether the accounting identity holds for this snapshot. */
    public boolean balanced() {
        return offered == delivered + recovered + deadLettered + dropped + released + inFlight;
    }
}
