package dev.sluice.bus;

import reactor.core.publisher.Mono;

/** A subscriber on the bus: its name, accounting, and a way to remove it. Thread-safe. */
public interface SubscriberHandle {

    /** Return the subscriber's name. */
    String name();

    /** Return a snapshot of its accounting. */
    SubscriberStats stats();

    /** Return its health now, with the reason in words. */
    SubscriberHealth health();

    /**
     * Remove the subscriber: it takes no new events, in-flight handlers get the spec's grace period, then are
     * cancelled; what is left becomes {@code UNSUBSCRIBED} dead letters. A durable subscriber letters nothing: what is
     * left is released, unacknowledged, for its partitions' next owner, and its consumer is closed, releasing its
     * partition leases (docs/DESIGN.md promise 7).
     *
     * @return a {@code Mono} completing when every event it was offered has an outcome; idempotent
     */
    Mono<Void> dispose();
}
