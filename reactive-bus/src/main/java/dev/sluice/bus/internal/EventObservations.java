package dev.sluice.bus.internal;

import dev.sluice.bus.BusObservations;
import dev.sluice.bus.Event;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.contextpropagation.ObservationThreadLocalAccessor;
import io.micrometer.observation.transport.Propagator;
import io.micrometer.observation.transport.ReceiverContext;
import io.micrometer.observation.transport.SenderContext;
import java.util.HashMap;
import java.util.Map;
import reactor.util.context.ContextView;

/**
 * Makes the bus's {@link BusObservations}: a publish is a {@link SenderContext} whose carrier is the new event's
 * headers (a tracing bridge's propagating handler writes {@code traceparent} there), a handling a {@link
 * ReceiverContext} reading the event's headers (so a durable or redriven event continues the trace it carries).
 * Called only when the bus's registry is not the no-op one.
 */
final class EventObservations {

    private static final Propagator.Setter<Map<String, String>> HEADERS_SETTER = (headers, key, value) -> {
        if (headers != null) {
            headers.put(key, value); // put: a second inject replaces, it never adds a second traceparent
        }
    };
    private static final Propagator.Getter<Event<?>> HEADERS_GETTER =
            (event, key) -> event.headers().get(key);
    // a linked processing starts a trace of its own: a propagating handler must not find the event's trace context
    private static final Propagator.Getter<Event<?>> HEADERS_BUT_TRACE_GETTER =
            (event, key) -> isTraceContext(key) ? null : event.headers().get(key);

    /** The observation event of another attempt: its name makes a meter handler's counter {@code sluice.process.retry}. */
    static final Observation.Event RETRY =
            Observation.Event.of(BusObservations.EVENT_RETRY, "sluice." + BusObservations.EVENT_RETRY);
    /** The observation event of the fallback's call: a meter handler counts it as {@code sluice.process.fallback}. */
    static final Observation.Event FALLBACK =
            Observation.Event.of(BusObservations.EVENT_FALLBACK, "sluice." + BusObservations.EVENT_FALLBACK);

    private EventObservations() {}

    /**
     * Return a started {@link BusObservations#PUBLISH} observation of event {@code id} of type {@code type}, writing
     * into {@code headers}; its parent is the observation in the publish's Reactor {@code Context} (Spring's limited
     * context propagation puts it there), else the current one.
     */
    static Observation publish(
            ObservationRegistry registry, String type, String id, Map<String, String> headers, ContextView context) {
        SenderContext<Map<String, String>> sender = new SenderContext<>(HEADERS_SETTER);
        sender.setCarrier(headers);
        Observation observation = Observation.createNotStarted(
                        BusObservations.PUBLISH.observationName(), () -> sender, registry)
                .contextualName(BusObservations.PUBLISH.operation() + " " + type)
                .lowCardinalityKeyValue(BusObservations.SYSTEM, BusObservations.SYSTEM_SLUICE)
                .lowCardinalityKeyValue(BusObservations.DESTINATION, type)
                .lowCardinalityKeyValue(BusObservations.OPERATION_TYPE, BusObservations.PUBLISH.operation())
                .highCardinalityKeyValue(BusObservations.MESSAGE_ID, id);
        Object parent = context.getOrDefault(ObservationThreadLocalAccessor.KEY, null);
        if (parent instanceof Observation inContext) {
            observation.parentObservation(inContext);
        }
        return observation.start();
    }

    /**
     * Return {@code event} as its dead letter records it: with {@link BusObservations#FAILED_TRACEPARENT}, the trace
     * context of a {@link BusObservations#DEAD_LETTER} observation under {@code handling}, in its headers (replacing
     * one a redriven event already had); {@code event} itself if the tracing bridge wrote no {@code traceparent}.
     */
    static <T> Event<T> letterEvent(
            ObservationRegistry registry, Event<T> event, String subscriber, Observation handling) {
        Map<String, String> carrier = new HashMap<>();
        SenderContext<Map<String, String>> sender = new SenderContext<>(HEADERS_SETTER);
        sender.setCarrier(carrier);
        String type = event.type().name();
        Observation.createNotStarted(BusObservations.DEAD_LETTER.observationName(), () -> sender, registry)
                .parentObservation(handling)
                .contextualName(BusObservations.DEAD_LETTER.operation() + " " + type)
                .lowCardinalityKeyValue(BusObservations.SYSTEM, BusObservations.SYSTEM_SLUICE)
                .lowCardinalityKeyValue(BusObservations.DESTINATION, type)
                .lowCardinalityKeyValue(BusObservations.OPERATION_TYPE, BusObservations.DEAD_LETTER.operation())
                .lowCardinalityKeyValue(BusObservations.CONSUMER_GROUP, subscriber)
                .highCardinalityKeyValue(BusObservations.MESSAGE_ID, event.id())
                .start()
                .stop();
        String failed = carrier.get(BusObservations.TRACEPARENT);
        if (failed == null) {
            return event;
        }
        Map<String, String> headers = new HashMap<>(event.headers());
        headers.put(BusObservations.FAILED_TRACEPARENT, failed);
        return new Event<>(
                event.id(), event.type(), event.key(), event.payload(), headers, event.publishedAt(), event.context());
    }

    /**
     * Return a started {@link BusObservations#PROCESS} observation of {@code event} by {@code subscriber}, which waited
     * {@code waitedMillis} since its publish. Unless {@code link}, a child of the event's publish observation if it was
     * published in this process by an observed bus ({@link PublishedContext}), else of the current observation, and a
     * propagating handler continues the trace in the event's headers. If {@code link}, the event's trace context
     * headers are hidden from it, and the event's {@code traceparent} is in the context under {@link
     * BusObservations#LINKED_TRACEPARENT} ({@link dev.sluice.bus.ProcessingTrace#LINK}).
     */
    static Observation process(
            ObservationRegistry registry, Event<?> event, String subscriber, long waitedMillis, boolean link) {
        ReceiverContext<Event<?>> receiver = new ReceiverContext<>(link ? HEADERS_BUT_TRACE_GETTER : HEADERS_GETTER);
        receiver.setCarrier(event);
        String type = event.type().name();
        Observation observation =
                Observation.createNotStarted(BusObservations.PROCESS.observationName(), () -> receiver, registry);
        if (link) {
            String linked = event.headers().get(BusObservations.TRACEPARENT);
            if (linked != null) {
                receiver.put(BusObservations.LINKED_TRACEPARENT, linked);
            }
        } else if (event.context() instanceof PublishedContext published) {
            observation.parentObservation(published.publish());
        }
        return observation
                .contextualName(BusObservations.PROCESS.operation() + " " + type)
                .lowCardinalityKeyValue(BusObservations.SYSTEM, BusObservations.SYSTEM_SLUICE)
                .lowCardinalityKeyValue(BusObservations.DESTINATION, type)
                .lowCardinalityKeyValue(BusObservations.OPERATION_TYPE, BusObservations.PROCESS.operation())
                .lowCardinalityKeyValue(BusObservations.CONSUMER_GROUP, subscriber)
                .highCardinalityKeyValue(BusObservations.MESSAGE_ID, event.id())
                .highCardinalityKeyValue(BusObservations.INBOX_WAIT, Long.toString(Math.max(0, waitedMillis)))
                .start();
    }

    /** Return whether header {@code key} holds a trace context: W3C {@code traceparent} / {@code tracestate}, B3. */
    private static boolean isTraceContext(String key) {
        return key.equalsIgnoreCase(BusObservations.TRACEPARENT)
                || key.equalsIgnoreCase("tracestate")
                || key.equalsIgnoreCase("b3")
                || key.regionMatches(true, 0, "x-b3-", 0, 5);
    }
}
