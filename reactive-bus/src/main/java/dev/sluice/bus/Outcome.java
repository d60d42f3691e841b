package dev.sluice.bus;

/** How one subscriber's handling of one event ended (exactly one per event and subscriber). */
public enum Outcome {
    /** The handler completed. */
    DELIVERED,
    /** The handler failed and the subscriber's fallback completed. */
    RECOVERED,
    /** The event became a dead letter (the store acknowledged it). */
    DEAD_LETTERED,
    /** A best-effort (system event) subscriber's inbox was full: dropped and counted. */
    DROPPED
}
