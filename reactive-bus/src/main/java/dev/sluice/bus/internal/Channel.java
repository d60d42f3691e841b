package dev.sluice.bus.internal;

import dev.sluice.bus.EventType;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicReference;

/** One event type's subscribers, as a copy-on-write array: publishing reads it without locks. */
public final class Channel<T> {

    private final EventType<T> type;
    private final AtomicReference<SubscriberWorker<T>[]> workers;

    /** Observers of {@code EventBus.events(type)}. */
    public final HotStream<dev.sluice.bus.Event<T>> observers = new HotStream<>();

    /** Events published to this type, routed or not. */
    public final java.util.concurrent.atomic.LongAdder published = Padded.adder();
    /** Events published to this type while it had no subscriber. */
    public final java.util.concurrent.atomic.LongAdder unrouted = new java.util.concurrent.atomic.LongAdder();

    @SuppressWarnings({"unchecked", "rawtypes"})
    public Channel(EventType<T> type) {
        this.type = type;
        this.workers = new AtomicReference<>(new SubscriberWorker[0]);
    }

    /** Return the event type. */
    public EventType<T> type() {
        return type;
    }

    /** Return the current subscribers; do not modify. */
    public SubscriberWorker<T>[] workers() {
        return workers.get();
    }

    /** Add a subscriber. */
    public void add(SubscriberWorker<T> worker) {
        workers.updateAndGet(current -> {
            SubscriberWorker<T>[] next = Arrays.copyOf(current, current.length + 1);
            next[current.length] = worker;
            return next;
        });
    }

    /** Remove a subscriber. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public void remove(SubscriberWorker<T> worker) {
        workers.updateAndGet(
                current -> Arrays.stream(current).filter(w -> w != worker).toArray(SubscriberWorker[]::new));
    }
}
