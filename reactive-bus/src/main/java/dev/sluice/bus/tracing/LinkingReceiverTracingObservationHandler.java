package dev.sluice.bus.tracing;

import dev.sluice.bus.BusObservations;
import io.micrometer.observation.transport.ReceiverContext;
import io.micrometer.tracing.Link;
import io.micrometer.tracing.Span;
import io.micrometer.tracing.TraceContext;
import io.micrometer.tracing.Tracer;
import io.micrometer.tracing.handler.PropagatingReceiverTracingObservationHandler;
import io.micrometer.tracing.propagation.Propagator;
import org.jspecify.annotations.Nullable;

/**
 * A {@link PropagatingReceiverTracingObservationHandler} that also gives the span of a linked {@link
 * BusObservations#PROCESS} observation (a bus built with {@link dev.sluice.bus.ProcessingTrace#LINK}, or a redrive) a
 * span link to its event's trace: the W3C {@code traceparent} the bus put under {@link
 * BusObservations#LINKED_TRACEPARENT}. Every other receiver context is handled exactly as by its superclass, so it can
 * replace it: in Spring Boot, declare it as the {@code PropagatingReceiverTracingObservationHandler} bean (Boot's backs
 * off). Thread-safe, as its superclass.
 */
public class LinkingReceiverTracingObservationHandler
        extends PropagatingReceiverTracingObservationHandler<ReceiverContext<?>> {

    /** Create the handler, starting spans with {@code tracer} and extracting trace contexts with {@code propagator}. */
    public LinkingReceiverTracingObservationHandler(Tracer tracer, Propagator propagator) {
        super(tracer, propagator);
    }

    /** Add a link to the trace under {@link BusObservations#LINKED_TRACEPARENT}, if the context holds a valid one. */
    @Override
    public Span.Builder customizeExtractedSpan(ReceiverContext<?> context, Span.Builder builder) {
        Object linked = context.get(BusObservations.LINKED_TRACEPARENT);
        if (linked instanceof String traceparent) {
            TraceContext target = parse(traceparent);
            if (target != null) {
                builder.addLink(new Link(target));
            }
        }
        return builder;
    }

    /**
     * Return the trace context of W3C {@code traceparent} {@code version-traceid-parentid-flags} (W3C Trace Context,
     * section 3.2), or null if it is not one: a malformed header links nothing rather than failing the handling.
     */
    private @Nullable TraceContext parse(String traceparent) {
        String[] parts = traceparent.split("-", -1);
        if (parts.length < 4 || !hex(parts[0], 2) || !hex(parts[1], 32) || !hex(parts[2], 16) || !hex(parts[3], 2)) {
            return null;
        }
        return getTracer()
                .traceContextBuilder()
                .traceId(parts[1])
                .spanId(parts[2])
                .sampled((Integer.parseInt(parts[3], 16) & 1) == 1)
                .build();
    }

    private static boolean hex(String part, int length) {
        if (part.length() != length) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            if (Character.digit(part.charAt(i), 16) < 0) {
                return false;
            }
        }
        return true;
    }
}
