package dev.sluice.demo;

import java.time.Instant;

/**
 * Told when a subscriber reached an outcome for an event (handler success, fallback success, dead letter durable).
 * Called on Reactor threads: must be quick and never block. Redrives call it again for the same event; listeners that
 * want first outcomes only must tell them apart by event id.
 */
@FunctionalInterface
interface OutcomeListener {

    OutcomeListener NONE = (subscriber, eventId, publishedAt) -> {};

    void outcome(String subscriber, String eventId, Instant publishedAt);
}
