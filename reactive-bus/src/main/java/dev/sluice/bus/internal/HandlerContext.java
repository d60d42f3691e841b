package dev.sluice.bus.internal;

import dev.sluice.bus.Event;
import io.micrometer.context.ContextSnapshot;
import io.micrometer.observation.Observation;
import io.micrometer.observation.contextpropagation.ObservationThreadLocalAccessor;
import org.jspecify.annotations.Nullable;
import reactor.util.context.Context;

/**
 * What a handler or fallback of an event sees of the context the event was published in (docs/observability.md):
 * while it is called, the captured thread locals ({@link #open}); in its {@code Mono}'s Reactor {@code Context}, the
 * captured values under their accessors' keys, the event's correlation id under {@value Event#CORRELATION_ID} and the
 * event's id under {@value Event#CAUSATION_ID}, so that an event it publishes names its cause ({@link #of}).
 */
final class HandlerContext {

    private HandlerContext() {}

    /**
     * Set the thread locals captured with {@code event}; closing the scope puts back what the thread held before (an
     * MDC accessor's keys are removed again). An event that captured nothing gets a scope that does nothing, allocated
     * once.
     */
    static ContextSnapshot.Scope open(Event<?> event) {
        return event.context().setThreadLocals();
    }

    /** Make {@code observation} (the handling's, or null) current until the scope closes; null: nothing to close. */
    static Observation.@Nullable Scope current(@Nullable Observation observation) {
        return observation == null ? null : observation.openScope();
    }

    /**
     * Return {@code base} with what a handler of {@code event} sees in its Reactor {@code Context}; {@code observation}
     * (the handling's, or null) is the current one there, as Spring's limited context propagation expects.
     */
    static Context of(Context base, Event<?> event, @Nullable Observation observation) {
        Context context = event.context().updateContext(base);
        if (observation != null) {
            context = context.put(ObservationThreadLocalAccessor.KEY, observation);
        }
        String correlation = event.headers().get(Event.CORRELATION_ID);
        if (correlation != null) {
            context = context.put(Event.CORRELATION_ID, correlation);
        }
        return context.put(Event.CAUSATION_ID, event.id());
    }
}
