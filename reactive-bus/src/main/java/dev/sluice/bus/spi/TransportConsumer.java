package dev.sluice.bus.spi;

import dev.sluice.bus.SubscriberHealth;
import java.util.List;
import reactor.core.publisher.Mono;

/**
 * One durable subscriber's consumer on one instance (SPI; docs/DESIGN.md, "Durable types"): reads the partitions this
 * instance owns, only as many entries as the bus has room for, and acknowledges each entry once the bus says its
 * outcome is final. Every entry read is later either {@linkplain #ack acknowledged} or {@linkplain #release released}
 * by the bus. Thread-safe; {@link #read(int)} is called by one reader at a time.
 *
 * @param <T> the payload type
 */
public interface TransportConsumer<T> {

    /**
     * Read at most {@code room} entries (the subscriber's free inbox slots, {@code >= 1}) from the partitions this
     * instance owns and may read now: of a partition taken over, its pending entries first, in stream order; then new
     * ones. Nothing is read ahead of the inbox. Waits up to the transport's block time for entries to arrive; the
     * first read joins the group (creating it at the subscriber's start position if it is new) and starts the
     * ownership heartbeat.
     *
     * @return a {@code Mono} of the entries read, in stream order per partition, possibly empty (none arrived, or no
     *     partition is owned yet); or an error when the transport could not read (the bus tries again after a backoff)
     */
    Mono<List<Received<T>>> read(int room);

    /**
     * Return whether the bus may start handling {@code entry} now: this instance still holds the entry's partition
     * under the lease generation it was read with, by its local monotonic clock, with the safety margin. Cheap and
     * non-blocking; asked before each handler starts. When false the bus releases the entry: it stays pending for the
     * partition's new owner.
     */
    boolean mayStart(Received<T> entry);

    /**
     * Acknowledge {@code entry}, whose outcome is final (delivered, recovered, or a dead letter the store holds):
     * batched with others, and fenced (refused if the lease it was read under was lost meanwhile, and then the entry
     * stays pending for the new owner: at-least-once).
     *
     * @return a {@code Mono} that completes when the acknowledgement was applied or refused by fencing (both are
     *     final); or errors when the transport could not be reached (the entry stays pending)
     */
    Mono<Void> ack(Received<T> entry);

    /**
     * Hand {@code entry} back unacknowledged (close, dispose, fencing): it stays pending, and the partition's next
     * owner handles it. Local bookkeeping only; never fails.
     */
    void release(Received<T> entry);

    /**
     * Return the consumer's health: {@code DEGRADED} while its group's lag or oldest pending entry passes the
     * transport's bounds, or no live consumer of the group holds a partition, with the reason.
     */
    SubscriberHealth health();

    /**
     * Stop reading and release this instance's partition leases cleanly, so that other instances take them over at
     * once, without waiting for the leases to expire. Call once every entry read has been acknowledged or released.
     *
     * @return a {@code Mono} that completes when the leases are released and the consumer's connection is closed
     */
    Mono<Void> close();
}
