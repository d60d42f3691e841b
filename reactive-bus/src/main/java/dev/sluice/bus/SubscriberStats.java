package dev.sluice.bus;

/**
 * One subscriber's accounting (docs/DESIGN.md promise 1): {@code offered = delivered + recovered + deadLettered +
 * dropped + inFlight}, with {@code inFlight} counted on its own. Exact at quiescence (after close, or when idle); a
 * snapshot taken while events move may be off by the events moving.
 *
 * @param offered events routed to the subscriber
 * @param delivered handled successfully
 * @param recovered handled by the fallback
 * @param deadLettered written to the dead-letter store (INBOX_OVERFLOW included)
 * @param dropped dropped (best-effort system-event subscribers only)
 * @param inFlight in the inbox, being handled, or being dead-lettered
 */
public record SubscriberStats(
        long offered, long delivered, long recovered, long deadLettered, long dropped, long inFlight) {

    /** Return whether the accounting identity holds for this snapshot. */
    public boolean balanced() {
        return offered == delivered + recovered + deadLettered + dropped + inFlight;
    }
}
