package dev.sluice.bus.internal;

import dev.sluice.bus.Event;
import dev.sluice.bus.EventType;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;

/**
 * One event type's subscribers, as a copy-on-write array: publishing reads it without locks. A durable type's channel
 * also carries its transport ({@link #durable}); its subscribers read the transport, not this array.
 */
final class Channel<T> {

    @SuppressWarnings("rawtypes")
    private static final AtomicReferenceFieldUpdater<Channel, SubscriberWorker[]> WORKERS =
            AtomicReferenceFieldUpdater.newUpdater(Channel.class, SubscriberWorker[].class, "workers");

    private final EventType<T> type;
    // replaced whole, never changed in place: a publish reads one consistent array with one volatile read
    private volatile SubscriberWorker<T>[] workers;

    /** The transport of a durable type, or null for an in-process type (the one check publishing makes). */
    final @Nullable DurableRoute durable;

    /** Observers of {@code EventBus.events(type)}. */
    final HotStream<Event<T>> observers = new HotStream<>();

    /** Events published to this type, routed or not. */
    final LongAdder published = Padded.adder();
    /** Events published to this type while it had no subscriber. */
    final LongAdder unrouted = new LongAdder();

    @SuppressWarnings({"unchecked", "rawtypes"})
    Channel(EventType<T> type, @Nullable DurableRoute durable) {
        this.type = type;
        this.durable = durable;
        this.workers = new SubscriberWorker[0];
    }

    /** Return the event type. */
    EventType<T> type() {
        return type;
    }

    /** Return the current subscribers; do not modify. */
    SubscriberWorker<T>[] workers() {
        return workers;
    }

    /** Add a subscriber. */
    @SuppressWarnings("unchecked")
    void add(SubscriberWorker<T> worker) {
        WORKERS.updateAndGet(this, current -> {
            SubscriberWorker<T>[] next = Arrays.copyOf(current, current.length + 1);
            next[current.length] = worker;
            return next;
        });
    }

    /** Remove a subscriber. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    void remove(SubscriberWorker<T> worker) {
        WORKERS.updateAndGet(
                this, current -> Arrays.stream(current).filter(w -> w != worker).toArray(SubscriberWorker[]::new));
    }
}
