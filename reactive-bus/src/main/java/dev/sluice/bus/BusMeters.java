package dev.sluice.bus;

import dev.sluice.policy.MeterDoc;
import java.util.List;

/**
 * Every Micrometer meter the bus registers or makes others derive, in one place. Bound by {@link BusMetrics}, except
 * those named after a {@link BusObservations} observation, which a {@code MeterObservationHandler} in the bus's
 * observation registry (Micrometer's {@code DefaultMeterObservationHandler}, which Spring Boot registers whenever it
 * has a {@code MeterRegistry}) derives from the observations: their tags are the observation's low-cardinality key
 * values plus {@code error} (the exception's simple name, or {@code none}), and each timer comes with a long-task timer
 * {@code <name>.active} of the observations still running. The policies' own meters ({@code sluice.policy.*}) come
 * from {@code dev.sluice.policy.PolicyMetrics}.
 */
public enum BusMeters {
    /** Events published, routed or not; tag {@code type}. */
    EVENTS_PUBLISHED(new MeterDoc("sluice.events.published", "Events accepted by publish", "events", List.of("type"))),
    /** Events published to a type with no subscriber; tag {@code type}. */
    EVENTS_UNROUTED(new MeterDoc(
            "sluice.events.unrouted", "Events published to a type that had no subscriber", "events", List.of("type"))),
    /** Events that reached an outcome; tags {@code type}, {@code subscriber}, {@code outcome}. */
    EVENTS_HANDLED(new MeterDoc(
            "sluice.events.handled",
            "Events a subscriber finished, by outcome: delivered, recovered, dead_lettered",
            "events",
            List.of("type", "subscriber", "outcome"))),
    /** Events a best-effort (system-event) subscriber's full inbox dropped; tags {@code type}, {@code subscriber}. */
    EVENTS_DROPPED(new MeterDoc(
            "sluice.events.dropped",
            "Events dropped because a best-effort (system-event) subscriber's inbox was full",
            "events",
            List.of("type", "subscriber"))),
    /**
     * Entries a durable subscriber read on this instance and handed back unacknowledged (close, dispose, fencing), for
     * the partition's next owner; tags {@code type}, {@code subscriber}. Always 0 for in-process subscribers.
     */
    EVENTS_RELEASED(new MeterDoc(
            "sluice.events.released",
            "Durable entries read and handed back unacknowledged (close, dispose, fencing) for the next owner",
            "events",
            List.of("type", "subscriber"))),
    /**
     * Time from taking an event out of the inbox to its outcome; tags {@code type}, {@code subscriber}. Bound only on a
     * bus without an observation registry: on an observed bus that time is measured once, by the {@link
     * #PROCESS_OBSERVED} observation, never twice.
     */
    HANDLER_DURATION(new MeterDoc(
            "sluice.handler.duration",
            "Time from taking an event out of the inbox to its outcome, retries, fallback and dead letter included",
            "seconds",
            List.of("type", "subscriber"))),
    /** Events in a subscriber's inbox now; tags {@code type}, {@code subscriber}. */
    INBOX_SIZE(new MeterDoc(
            "sluice.inbox.size", "Events waiting in a subscriber's inbox", "events", List.of("type", "subscriber"))),
    /** Events being handled or dead-lettered now (inbox included); tags {@code type}, {@code subscriber}. */
    EVENTS_IN_FLIGHT(new MeterDoc(
            "sluice.events.in.flight",
            "Events offered to a subscriber that have no outcome yet (inbox, handling, or being dead-lettered)",
            "events",
            List.of("type", "subscriber"))),
    /** Dead letters the store acknowledged; tags {@code subscriber}, {@code reason}. */
    DEAD_LETTERS_WRITTEN(new MeterDoc(
            "sluice.dead.letters.written",
            "Dead letters acknowledged by the store, by reason",
            "letters",
            List.of("subscriber", "reason"))),
    /** Redrives of dead letters, by result; tags {@code subscriber}, {@code outcome}. Apart from the accounting. */
    REDRIVE_OUTCOMES(new MeterDoc(
            "sluice.redrive.outcomes",
            "Dead letters redriven, by result: delivered, recovered, failed, parked, skipped, store_failed",
            "letters",
            List.of("subscriber", "outcome"))),
    /** Derived from {@link BusObservations#PUBLISH}: from an event's creation to its receipt. */
    PUBLISH_OBSERVED(new MeterDoc(
            "sluice.publish",
            "Publishes, from the event's creation to its receipt (derived from the sluice.publish observation)",
            "seconds",
            List.of(BusObservations.SYSTEM, BusObservations.DESTINATION, BusObservations.OPERATION_TYPE, "error"))),
    /**
     * Derived from {@link BusObservations#PROCESS}: an (event, subscriber) handling, from its start in the handler to
     * its outcome, and each redrive. On an observed bus it replaces {@link #HANDLER_DURATION}.
     */
    PROCESS_OBSERVED(new MeterDoc(
            "sluice.process",
            "Handlings, from the handler's first call to the outcome (derived from the sluice.process observation)",
            "seconds",
            List.of(
                    BusObservations.SYSTEM,
                    BusObservations.DESTINATION,
                    BusObservations.OPERATION_TYPE,
                    BusObservations.CONSUMER_GROUP,
                    BusObservations.OUTCOME,
                    "error"))),
    /** Derived from the {@value BusObservations#EVENT_RETRY} events of {@link BusObservations#PROCESS}. */
    PROCESS_RETRIES(new MeterDoc(
            "sluice.process.retry",
            "Attempts of a handler after the first: retries and hedges (derived from sluice.process events)",
            "attempts",
            List.of(
                    BusObservations.SYSTEM,
                    BusObservations.DESTINATION,
                    BusObservations.OPERATION_TYPE,
                    BusObservations.CONSUMER_GROUP))),
    /** Derived from the {@value BusObservations#EVENT_FALLBACK} events of {@link BusObservations#PROCESS}. */
    PROCESS_FALLBACKS(new MeterDoc(
            "sluice.process.fallback",
            "Calls of a subscriber's fallback (derived from sluice.process events)",
            "calls",
            List.of(
                    BusObservations.SYSTEM,
                    BusObservations.DESTINATION,
                    BusObservations.OPERATION_TYPE,
                    BusObservations.CONSUMER_GROUP))),
    /** Derived from {@link BusObservations#DEAD_LETTER}: handlings that gave their event up as a dead letter. */
    DEAD_LETTER_OBSERVED(new MeterDoc(
            "sluice.dead.letter",
            "Handlings that gave their event up as a dead letter (derived from the sluice.dead.letter observation)",
            "seconds",
            List.of(
                    BusObservations.SYSTEM,
                    BusObservations.DESTINATION,
                    BusObservations.OPERATION_TYPE,
                    BusObservations.CONSUMER_GROUP,
                    "error")));

    private final MeterDoc doc;

    BusMeters(MeterDoc doc) {
        this.doc = doc;
    }

    /** Return the meter's name, description, base unit and tag keys. */
    public MeterDoc doc() {
        return doc;
    }
}
