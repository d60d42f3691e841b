package dev.sluice.bus.internal;

import dev.sluice.bus.Event;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Subscription;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.CoreSubscriber;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * Reads a subscriber's inbox: asks it for {@code concurrency} events, starts each one as it arrives (or queues it
 * behind its key, see {@link KeyOrder}), and asks for one more as each ends. What {@code flatMap(…, concurrency, 1)}
 * did, without an inner subscriber and its machinery per event. Every event taken and not yet ended (running, or
 * waiting for its key) holds one of {@code concurrency} slots, so {@link #dispose()} can cancel them all. The inbox
 * signals on the drainer; deliveries end on any thread.
 */
final class Reader<T> implements CoreSubscriber<Event<T>>, Disposable {

    private static final Logger log = LoggerFactory.getLogger(Reader.class);

    private final SubscriberWorker<T> worker;
    private final boolean orderedByKey;
    private final boolean observed;
    private final AtomicReferenceArray<@Nullable Delivery<T>> running;
    private final Sinks.Empty<Void> finished = Sinks.empty();
    private volatile @Nullable Subscription upstream;
    private volatile boolean cancelled;
    private volatile boolean complete;
    private int nextSlot; // drainer only

    Reader(SubscriberWorker<T> worker) {
        this.worker = worker;
        this.orderedByKey = worker.settings.orderedByKey();
        // system events are not observed: failures while handling them never produce further system events either
        this.observed = !worker.bus.observations().isNoop() && !worker.settings.bestEffort();
        this.running = new AtomicReferenceArray<>(worker.settings.concurrency());
    }

    @Override
    public void onSubscribe(Subscription s) {
        upstream = s;
        s.request(running.length());
    }

    @Override
    public void onNext(Event<T> event) {
        Delivery<T> delivery = observed
                ? new ObservedDelivery<>(worker, event, freeSlot())
                : new Delivery<>(worker, event, freeSlot());
        running.lazySet(delivery.slot, delivery); // read by dispose and onComplete: both on this thread
        String key = orderedByKey ? event.key() : null;
        if (key == null) {
            delivery.startNow();
        } else if (worker.keys.take(key, delivery::start)) {
            delivery.start();
        }
    }

    /** Demand never exceeds the free slots (one more is asked for only after a slot was freed), so one is free. */
    private int freeSlot() {
        int slots = running.length();
        for (int tried = 0; tried < slots; tried++) {
            int slot = nextSlot;
            nextSlot = slot + 1 == slots ? 0 : slot + 1;
            if (running.get(slot) == null) {
                return slot;
            }
        }
        throw new IllegalStateException("subscriber '" + worker.name() + "' got more events than it asked for");
    }

    /** Free the slot of a delivery that ended, and ask for the next event. */
    void ended(Delivery<T> delivery) {
        running.set(delivery.slot, null);
        Subscription s = upstream;
        if (!cancelled && s != null) {
            s.request(1);
        }
        if (complete) {
            finishIfIdle();
        }
    }

    @Override
    public void onError(Throwable error) {
        log.error("Subscriber '{}' stopped on an unexpected error", worker.name(), error);
        finished.tryEmitEmpty();
    }

    @Override
    public void onComplete() {
        complete = true; // then look at the slots; a delivery ending clears its slot, then looks at complete
        finishIfIdle();
    }

    /** Return a {@code Mono} that completes when the inbox completed (it was closed) and every event taken ended. */
    Mono<Void> finished() {
        return finished.asMono();
    }

    /** Return how many events are in their handler now (not waiting for their key); a moment's count. */
    int handling() {
        int count = 0;
        for (int slot = 0; slot < running.length(); slot++) {
            Delivery<T> delivery = running.get(slot);
            if (delivery != null && delivery.running()) {
                count++;
            }
        }
        return count;
    }

    private void finishIfIdle() {
        for (int slot = 0; slot < running.length(); slot++) {
            if (running.get(slot) != null) {
                return; // the last one to end will look again
            }
        }
        finished.tryEmitEmpty();
    }

    /** Stop reading and cancel every event taken (each dead-letters itself); runs on the drainer. */
    @Override
    public void dispose() {
        cancelled = true;
        Subscription s = upstream;
        if (s != null) {
            s.cancel();
        }
        for (int slot = 0; slot < running.length(); slot++) {
            Delivery<T> delivery = running.get(slot);
            if (delivery != null) {
                delivery.cancel();
            }
        }
    }

    @Override
    public boolean isDisposed() {
        return cancelled;
    }
}
