package dev.sluice.bus.internal;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.LongAdder;
import reactor.core.publisher.BufferOverflowStrategy;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;

/**
 * A hot, observe-only stream: each observer has its own buffer of {@value #BUFFER} items; beyond that, items are
 * dropped for that observer and counted, so an observer never slows the emitter. Emitting with no observer costs one
 * volatile read. Lock-free (Reactor's serialized {@link FluxSink}), safe from many threads.
 */
final class HotStream<E> {

    /** Items buffered per observer before drops. */
    public static final int BUFFER = 256;

    private final List<FluxSink<E>> observers = new CopyOnWriteArrayList<>();
    private final LongAdder dropped = new LongAdder();

    /** Return a hot {@code Flux} of items from now on; it never completes on its own. */
    public Flux<E> flux() {
        return Flux.<E>create(
                        sink -> {
                            observers.add(sink);
                            sink.onDispose(() -> observers.remove(sink));
                        },
                        FluxSink.OverflowStrategy.IGNORE)
                .onBackpressureBuffer(BUFFER, item -> dropped.increment(), BufferOverflowStrategy.DROP_LATEST);
    }

    /** Return whether anyone observes. */
    public boolean observed() {
        return !observers.isEmpty();
    }

    /** Hand {@code item} to every observer; never blocks. */
    public void emit(E item) {
        for (FluxSink<E> observer : observers) {
            observer.next(item);
        }
    }

    /** Return how many items were dropped for slow observers. */
    public long dropped() {
        return dropped.sum();
    }
}
