package dev.sluice.policy.internal;

import dev.sluice.policy.PolicyEvent;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.LongAdder;
import reactor.core.publisher.BufferOverflowStrategy;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;

/**
 * A hot, best-effort stream of policy events. Each observer gets its own buffer of {@value #BUFFER} events; when an
 * observer is that far behind, newer events are dropped for it and counted, so a slow observer never slows a call.
 * Emitting is lock-free (Reactor's serialized {@link FluxSink}), safe from many threads.
 */
public final class PolicyEvents {

    /** Events buffered per observer before drops. */
    public static final int BUFFER = 256;

    private final List<FluxSink<PolicyEvent>> observers = new CopyOnWriteArrayList<>();
    private final LongAdder dropped = new LongAdder();

    /** Return a hot {@code Flux} of events from now on; it never completes on its own. */
    public Flux<PolicyEvent> flux() {
        return Flux.<PolicyEvent>create(
                        sink -> {
                            observers.add(sink);
                            sink.onDispose(() -> observers.remove(sink));
                        },
                        FluxSink.OverflowStrategy.IGNORE)
                .onBackpressureBuffer(BUFFER, event -> dropped.increment(), BufferOverflowStrategy.DROP_LATEST);
    }

    /** Hand {@code event} to every observer; never blocks. */
    public void emit(PolicyEvent event) {
        for (FluxSink<PolicyEvent> observer : observers) {
            observer.next(event);
        }
    }

    /** Return how many events were dropped for slow observers. */
    public long dropped() {
        return dropped.sum();
    }
}
