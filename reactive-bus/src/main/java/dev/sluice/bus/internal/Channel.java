package dev.sluice.bus.internal;

import dev.sluice.bus.Event;
import dev.sluice.bus.EventType;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/** One event type's subscribers, as a copy-on-write array: publishing reads it without locks. */
final class Channel<T> {

    private final EventType<T> type;
    private final AtomicReference<SubscriberWorker<T>[]> workers;

    /** Observers of {@code EventBus.events(type)}. */
    final HotStream<Event<T>> observers = new HotStream<>();

    /** Events published to this type, routed or not. */
    final LongAdder published = Padded.adder();
    /** Events published to this type while it had no subscriber. */
    final LongAdder unrouted = new LongAdder();

    @SuppressWarnings({"unchecked", "rawtypes"})
    Channel(EventType<T> type) {
        this.type = type;
        this.workers = new AtomicReference<>(new SubscriberWorker[0]);
    }

    /** Return the event type. */
    EventType<T> type() {
        return type;
    }

    /** Return the current subscribers; do not modify. */
    SubscriberWorker<T>[] workers() {
        return workers.get();
    }

    /** Add a subscriber. */
    void add(SubscriberWorker<T> worker) {
        workers.updateAndGet(current -> {
            SubscriberWorker<T>[] next = Arrays.copyOf(current, current.length + 1);
            next[current.length] = worker;
            return next;
        });
    }

    /** Remove a subscriber. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    void remove(SubscriberWorker<T> worker) {
        workers.updateAndGet(
                current -> Arrays.stream(current).filter(w -> w != worker).toArray(SubscriberWorker[]::new));
    }
}
