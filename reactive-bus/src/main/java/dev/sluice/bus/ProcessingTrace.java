package dev.sluice.bus;

/**
 * How the {@link BusObservations#PROCESS} observation of a handling relates to the trace its event was published in
 * ({@link EventBus.Builder#processingTrace}). The OpenTelemetry messaging conventions allow both: the creation context
 * as the processing's parent, or as a link of a processing in a trace of its own.
 */
public enum ProcessingTrace {
    /**
     * The default: a processing is a child of its event's {@link BusObservations#PUBLISH} observation (for a durable
     * event, of the trace context in its headers), so a request that publishes is one tree with every handling in it.
     */
    CHILD,
    /**
     * A processing starts a trace of its own, linked to its event's: the trace context headers ({@code traceparent},
     * {@code tracestate}, B3) are hidden from its {@code ReceiverContext}, no parent observation is set, and the
     * event's {@code traceparent} is put into the observation's context under {@link
     * BusObservations#LINKED_TRACEPARENT}, where {@code dev.sluice.bus.tracing.LinkingReceiverTracingObservationHandler}
     * turns it into a span link. Suits handlings that outlive their request by far (a long inbox wait, a batch).
     */
    LINK
}
