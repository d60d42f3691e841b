package dev.sluice.bus;

/**
 * Every Micrometer {@code Observation} the bus makes, in one place (docs/observability.md). Names and key values follow
 * the OpenTelemetry semantic conventions for messaging spans: {@value #SYSTEM} is {@value #SYSTEM_SLUICE}, the
 * destination is the event type, the operation type {@code publish} or {@code process}, the consumer group the
 * subscriber; the event id is a high-cardinality key value only (a span attribute, never a meter tag). Made only when
 * the bus has an {@code ObservationRegistry} ({@link EventBus.Builder#observationRegistry}); the default, {@code
 * ObservationRegistry.NOOP}, makes none and costs nothing.
 */
public enum BusObservations {
    /**
     * One per accepted publish of an event, from the event's creation until its receipt (every inbox took it or
     * dead-lettered it; for a durable type, the transport acknowledged the append). A child of the publisher's current
     * observation; its trace context is written into the event's headers (W3C {@code traceparent}, {@code tracestate}
     * when a tracing bridge is installed), so a durable event carries it across instances. An error status when the
     * publish fails.
     */
    PUBLISH("sluice.publish", "publish"),
    /**
     * One per (event, subscriber) handling, from the event's start in its handler until its outcome: retries, the
     * fallback and the dead letter included; a redrive of a dead letter is a new one, with {@value #REDRIVE}. By
     * default a child of the event's {@link #PUBLISH} observation (for a durable event, of the trace in its headers);
     * with {@link ProcessingTrace#LINK}, and always for a redrive, a trace of its own linked to the event's ({@value
     * #LINKED_TRACEPARENT}). Each attempt after the first is an observation event ({@value #EVENT_RETRY}), and so is
     * the fallback ({@value #EVENT_FALLBACK}). The key value {@value #OUTCOME} holds the outcome; an error status when
     * the event is dead-lettered.
     */
    PROCESS("sluice.process", "process"),
    /**
     * The moment a handling gave its event up as a dead letter: a child of the {@link #PROCESS}, started and stopped
     * as the letter is built. Its trace context (W3C {@code traceparent}, when the tracing bridge writes one) becomes
     * the letter's {@value #FAILED_TRACEPARENT} header, beside the {@code traceparent} the event was published with.
     */
    DEAD_LETTER("sluice.dead.letter", "send");

    /** Key: the messaging system, always {@value #SYSTEM_SLUICE}. Low cardinality. */
    public static final String SYSTEM = "messaging.system";
    /** The value of {@value #SYSTEM}. */
    public static final String SYSTEM_SLUICE = "sluice";
    /** Key: the event type's name. Low cardinality. */
    public static final String DESTINATION = "messaging.destination.name";
    /** Key: {@code publish} or {@code process}. Low cardinality. */
    public static final String OPERATION_TYPE = "messaging.operation.type";
    /** Key: the subscriber's name, on {@link #PROCESS}. Low cardinality. */
    public static final String CONSUMER_GROUP = "messaging.consumer.group.name";
    /** Key: the event's id. High cardinality: span attribute only. */
    public static final String MESSAGE_ID = "messaging.message.id";
    /** Key: the outcome of a {@link #PROCESS} ({@code delivered}, {@code recovered}, {@code dead_lettered}). Low. */
    public static final String OUTCOME = "sluice.outcome";
    /** Key: on the {@link #PROCESS} of a redrive, which redrive of the letter it is (1 for the first). High. */
    public static final String REDRIVE = "sluice.redrive";
    /** Key: milliseconds the event waited between its publish and its handling's start. High cardinality. */
    public static final String INBOX_WAIT = "sluice.inbox.wait.ms";
    /** Header of a dead letter: the W3C trace context of the handling that failed (replaced, never added twice). */
    public static final String FAILED_TRACEPARENT = "failed_traceparent";
    /** The W3C trace context header a tracing bridge writes ({@code traceparent}). */
    public static final String TRACEPARENT = "traceparent";
    /**
     * Key in the {@code Observation.Context} of a linked {@link #PROCESS} ({@link ProcessingTrace#LINK}, or a
     * redrive): the W3C {@code traceparent} of the trace it is linked to, the event's (a {@code String}); absent when
     * the event carries none. Not a key value: {@code dev.sluice.bus.tracing.LinkingReceiverTracingObservationHandler}
     * reads it with {@code context.get(LINKED_TRACEPARENT)} and adds the span link.
     */
    public static final String LINKED_TRACEPARENT = "sluice.linked.traceparent";
    /**
     * Observation event of a {@link #PROCESS}: another attempt of the handler started (a retry, or a hedge). A span
     * event {@code sluice.retry}; a meter handler counts it as {@code sluice.process.retry} ({@link BusMeters}).
     */
    public static final String EVENT_RETRY = "retry";
    /**
     * Observation event of a {@link #PROCESS}: the subscriber's fallback was called. A span event {@code
     * sluice.fallback}; a meter handler counts it as {@code sluice.process.fallback} ({@link BusMeters}).
     */
    public static final String EVENT_FALLBACK = "fallback";

    private final String observationName;
    private final String operation;

    BusObservations(String observationName, String operation) {
        this.observationName = observationName;
        this.operation = operation;
    }

    /** Return the observation's name (also the name of the timer a meter handler derives from it). */
    public String observationName() {
        return observationName;
    }

    /** Return the value of {@value #OPERATION_TYPE}, also the first word of the contextual (span) name. */
    public String operation() {
        return operation;
    }
}
