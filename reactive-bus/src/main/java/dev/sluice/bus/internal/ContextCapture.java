package dev.sluice.bus.internal;

import dev.sluice.bus.Event;
import io.micrometer.context.ContextRegistry;
import io.micrometer.context.ContextSnapshot;
import io.micrometer.context.ContextSnapshotFactory;
import io.micrometer.context.ThreadLocalAccessor;
import io.micrometer.observation.contextpropagation.ObservationThreadLocalAccessor;
import java.util.List;
import reactor.util.context.ContextView;

/**
 * Takes, at publish, what a handler of the event will see of its publisher's context (docs/observability.md): the
 * values of the registry's {@link ThreadLocalAccessor}s, from the publishing thread and from the publish's Reactor
 * {@code Context} under the accessors' keys (Micrometer context-propagation's {@code captureAll}). Never the whole
 * Reactor {@code Context}: it may hold request objects (a {@code ServerWebExchange}) that must not live on in inboxes.
 * Pay when used: with no accessor holding a value, nothing is allocated and {@link Event#noContext()} is returned.
 * Thread-safe.
 */
final class ContextCapture {

    private static final Object[] NO_CONTEXTS = {};

    private final ContextRegistry registry;
    private final ContextSnapshotFactory all;
    private final ContextSnapshotFactory withoutObservation;

    /** Capture the accessors registered in {@code registry} (they may change at run time). */
    ContextCapture(ContextRegistry registry) {
        this.registry = registry;
        this.all = factory(registry, true);
        this.withoutObservation = factory(registry, false);
    }

    // clearMissing false: restoring sets what was captured and leaves the handler thread's other values alone; the
    // key predicate is what keeps the rest of the Reactor Context out (by default captureAll copies all of it)
    private static ContextSnapshotFactory factory(ContextRegistry registry, boolean observation) {
        return ContextSnapshotFactory.builder()
                .contextRegistry(registry)
                .clearMissing(false)
                .captureKeyPredicate(key -> accessorKey(registry, key, observation))
                .build();
    }

    private static boolean accessorKey(ContextRegistry registry, Object key, boolean observation) {
        if (!observation && ObservationThreadLocalAccessor.KEY.equals(key)) {
            return false;
        }
        List<ThreadLocalAccessor<?>> accessors = registry.getThreadLocalAccessors();
        for (int i = 0; i < accessors.size(); i++) {
            if (accessors.get(i).key().equals(key)) {
                return true;
            }
        }
        return false;
    }

    /** Return the empty snapshot ({@link Event#noContext()}): what events published with nothing to capture carry. */
    ContextSnapshot none() {
        return Event.noContext();
    }

    /**
     * Capture the accessors' values from the current thread and from {@code context} (the latter win); the current
     * observation too unless {@code observation} is false (an observed publish carries its own, see {@link
     * PublishedContext}).
     */
    ContextSnapshot capture(ContextView context, boolean observation) {
        List<ThreadLocalAccessor<?>> accessors = registry.getThreadLocalAccessors();
        boolean empty = context.isEmpty();
        for (int i = 0; i < accessors.size(); i++) { // indexed: no iterator on the hot path
            ThreadLocalAccessor<?> accessor = accessors.get(i);
            Object key = accessor.key();
            if (!observation && ObservationThreadLocalAccessor.KEY.equals(key)) {
                continue;
            }
            if ((!empty && context.hasKey(key)) || accessor.getValue() != null) {
                ContextSnapshotFactory snapshots = observation ? all : withoutObservation;
                return empty ? snapshots.captureAll(NO_CONTEXTS) : snapshots.captureAll(context);
            }
        }
        return Event.noContext();
    }
}
