package dev.sluice.bus;

/** What a publish does when a subscriber's inbox is full. */
public enum OverflowPolicy {
    /**
     * Wait (without a thread) up to the subscriber's {@code maxPublishWait} for room; past that, dead-letter the
     * event ({@code INBOX_OVERFLOW}) and dead-letter further events at once until the inbox drains below half.
     */
    BACKPRESSURE,
    /** Dead-letter the event at once ({@code INBOX_OVERFLOW}); never slows the publisher. */
    DEAD_LETTER
}
