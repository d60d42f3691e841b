package dev.sluice.bus.internal;

import io.micrometer.context.ContextRegistry;
import io.micrometer.context.ContextSnapshot;
import io.micrometer.context.ContextSnapshotFactory;
import io.micrometer.context.ThreadLocalAccessor;
import java.util.List;
import reactor.util.context.ContextView;

/**
 * Takes, at publish, what a handler of the event will see of its publisher's context (docs/observability.md): the
 * values of the registry's {@link ThreadLocalAccessor}s, from the publishing thread and from the publish's Reactor
 * {@code Context} under the accessors' keys (Micrometer context-propagation's {@code captureAll}). Never the whole
 * Reactor {@code Context}: it may hold request objects (a {@code ServerWebExchange}) that must not live on in inboxes.
 * Pay when used: with no accessor holding a value, nothing is allocated and the shared empty snapshot is returned.
 * Thread-safe.
 */
final class ContextCapture {

    private static final Object[] NO_CONTEXTS = {};

    private final ContextRegistry registry;
    private final ContextSnapshotFactory snapshots;
    private final ContextSnapshot none;

    /** Capture the accessors registered in {@code registry} (they may change at run time). */
    ContextCapture(ContextRegistry registry) {
        this.registry = registry;
        // clearMissing false: restoring sets what was captured and leaves the handler thread's other values alone
        this.snapshots = ContextSnapshotFactory.builder()
                .contextRegistry(registry)
                .clearMissing(false)
                .build();
        this.none = snapshots.captureFrom(); // from no context at all: the factory's shared empty snapshot
    }

    /** Return the empty snapshot: what events published with nothing to capture carry. */
    ContextSnapshot none() {
        return none;
    }

    /** Capture the accessors' values from the current thread and from {@code context} (the latter win). */
    ContextSnapshot capture(ContextView context) {
        List<ThreadLocalAccessor<?>> accessors = registry.getThreadLocalAccessors();
        boolean empty = context.isEmpty();
        for (int i = 0; i < accessors.size(); i++) { // indexed: no iterator on the hot path
            ThreadLocalAccessor<?> accessor = accessors.get(i);
            if ((!empty && context.hasKey(accessor.key())) || accessor.getValue() != null) {
                return empty ? snapshots.captureAll(NO_CONTEXTS) : snapshots.captureAll(context);
            }
        }
        return none;
    }
}
