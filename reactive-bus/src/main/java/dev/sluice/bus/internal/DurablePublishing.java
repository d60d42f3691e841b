package dev.sluice.bus.internal;

import dev.sluice.bus.Event;
import dev.sluice.bus.PublishReceipt;
import dev.sluice.bus.spi.Appended;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Publishing of a durable type (docs/DESIGN.md, "Durable types"): the event, validated and stamped as any other, is
 * appended to its partition stream by the bus's transport once the type is declared, and the receipt comes when the
 * transport acknowledged it. A durable event is stored once for every consumer group, so its receipt says {@code
 * delivered = 1}, {@code overflowed = 0}. Only a stored event is counted as published and shown to observers of
 * {@code events(type)}. Cancelling the publish cancels the append: the event may or may not have been stored.
 */
final class DurablePublishing {

    private DurablePublishing() {}

    /** Append {@code event} of {@code channel}'s durable type through {@code route}. Lazy. */
    static <T> Mono<PublishReceipt> append(Channel<T> channel, DurableRoute route, Event<T> event) {
        return route.declared()
                .then(Mono.defer(() -> route.transport().append(event)))
                .map(appended -> stored(channel, event, appended));
    }

    /** Append {@code events} of {@code channel}'s durable type in order, pipelined per partition. Lazy. */
    static <T> Flux<PublishReceipt> appendAll(Channel<T> channel, DurableRoute route, Flux<Event<T>> events) {
        return route.declared().thenMany(Flux.defer(() -> {
            // appendAll emits one result per event in input order: the oldest event sent is the one appended
            Queue<Event<T>> sent = new ConcurrentLinkedQueue<>();
            return route.transport().appendAll(events.doOnNext(sent::offer)).map(appended -> {
                Event<T> event = sent.poll();
                if (event == null || !event.id().equals(appended.eventId())) {
                    throw new IllegalStateException("the transport reported event " + appended.eventId()
                            + " appended out of order (expected "
                            + (event == null ? "none" : event.id()) + ")");
                }
                return stored(channel, event, appended);
            });
        }));
    }

    private static <T> PublishReceipt stored(Channel<T> channel, Event<T> event, Appended appended) {
        channel.published.increment();
        if (channel.observers.observed()) {
            channel.observers.emit(event);
        }
        return new PublishReceipt(appended.eventId(), 1, 0);
    }
}
