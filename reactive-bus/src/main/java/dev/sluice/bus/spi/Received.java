package dev.sluice.bus.spi;

import dev.sluice.bus.Event;
import org.jspecify.annotations.Nullable;

/**
 * One partition entry a {@link TransportConsumer} read for its subscriber: the decoded event, or why it could not be
 * decoded. The transport's implementation may carry more (such as the lease generation it was read under), so the bus
 * hands the same object back to {@link TransportConsumer#mayStart}, {@link TransportConsumer#ack} and {@link
 * TransportConsumer#release}. Immutable.
 *
 * @param <T> the payload type
 */
public interface Received<T> {

    /** Return the partition the entry is in. */
    int partition();

    /** Return the entry's id in its partition stream. */
    String entryId();

    /** Return the decoded event, or null if the entry could not be decoded (then {@link #undecodable()} is not). */
    @Nullable
    Event<T> event();

    /** Return what could be read of an entry that failed to decode, or null if it decoded. */
    @Nullable
    Undecodable undecodable();

    /**
     * Return how many times the entry's handling ended in no outcome because its owner died under it: 0 when first
     * read; rebalances and clean handovers do not count (docs/DESIGN.md, "Durable types": past the subscriber's limit
     * the entry becomes a {@code DELIVERY_LIMIT} letter).
     */
    int deliveryFailures();
}
