package dev.sluice.bus.spi;

import dev.sluice.bus.Event;
import dev.sluice.bus.EventType;
import dev.sluice.bus.PublishFailedException;
import dev.sluice.bus.SubscriberHealth;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The engine that keeps a bus's durable event types (SPI; docs/DESIGN.md, "Durable types"): partition streams per
 * type, one consumer group per subscriber, partition ownership under fenced leases, acknowledgement after the outcome.
 * One transport serves one bus. Thread-safe and non-blocking; every method returning a {@code Mono} or {@code Flux} is
 * lazy.
 */
public interface EventTransport {

    /**
     * Prepare the durable {@code type} (its {@link EventType#durability()} is not null): create its partitions, or
     * check the ones recorded at its first use. Idempotent.
     *
     * @return a {@code Mono} that completes when the type can be used; or errors with {@link IllegalStateException}
     *     naming both counts if the partition count recorded for the type differs from the one declared (never a
     *     silent reshuffle), or with the transport's error if it cannot be reached
     */
    Mono<Void> declare(EventType<?> type);

    /**
     * Append {@code event} (of a declared durable type) to its partition: {@code hash(key) mod partitions} for a keyed
     * event, any partition for a null key. Retried with backoff within the transport's publish timeout; a retried
     * append holds back later appends to the same partition, so one publisher's events of one key keep their order.
     *
     * @return a {@code Mono} of where it was appended, emitted once the transport acknowledged it; or an error: {@link
     *     PublishFailedException} (type, partition, cause) when the publish timeout ran out
     */
    <T> Mono<Appended> append(Event<T> event);

    /**
     * Append {@code events} in order, pipelined per partition: a partition has several appends in flight, and stops at
     * its first error (no later event of that partition is appended); requests from {@code events} no faster than the
     * appends complete.
     *
     * @return a {@code Flux} of one {@link Appended} per event, in the order of {@code events}; it errors with the first
     *     {@link PublishFailedException}
     */
    <T> Flux<Appended> appendAll(Publisher<Event<T>> events);

    /**
     * Return the consumer of one durable subscriber on this instance: a member of the subscriber's consumer group on
     * every partition stream of its type, which owns some partitions under fenced leases and reads only those.
     * Nothing happens in the transport until the first {@link TransportConsumer#read(int)}.
     *
     * @throws IllegalStateException if this transport already has a consumer for that subscriber
     */
    <T> TransportConsumer<T> consumer(ConsumerSpec<T> spec);

    /** Return the transport's own health: {@code DEGRADED} while it cannot reach its engine, with the reason. */
    SubscriberHealth health();

    /**
     * Close the transport: its instance lease and connections. Call after every consumer was closed.
     *
     * @return a {@code Mono} that completes when everything the transport owns is closed
     */
    Mono<Void> close();
}
