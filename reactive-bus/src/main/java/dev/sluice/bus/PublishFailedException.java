package dev.sluice.bus;

/**
 * A durable event could not be appended to its partition stream within the publish timeout, after the transport's
 * bounded retries (docs/DESIGN.md, "Durable types"). The event may still have been appended once: a retry after a
 * timeout whose first append had landed is the one duplicate case of durable publishing, so handlers must be
 * idempotent.
 */
public final class PublishFailedException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String eventType;
    private final int partition;

    /** Create the exception for an event of {@code eventType} bound for {@code partition}, failed with {@code cause}. */
    public PublishFailedException(String eventType, int partition, Throwable cause) {
        super("could not publish an event of type '" + eventType + "' to partition " + partition + ": " + cause, cause);
        this.eventType = eventType;
        this.partition = partition;
    }

    /** Return the event type's name. */
    public String eventType() {
        return eventType;
    }

    /** Return the partition the event was bound for. */
    public int partition() {
        return partition;
    }
}
