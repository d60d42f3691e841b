package dev.sluice.bus;

import java.util.List;

/**
 * Every Micrometer meter the bus registers, in one place. Bound by {@link BusMetrics}; the policies' own meters
 * ({@code sluice.policy.*}) come from {@code dev.sluice.policy.PolicyMetrics}.
 */
public enum BusMeters {
    /** Events published, routed or not; tag {@code type}. */
    EVENTS_PUBLISHED("sluice.events.published", "Events accepted by publish", "events", List.of("type")),
    /** Events published to a type with no subscriber; tag {@code type}. */
    EVENTS_UNROUTED(
            "sluice.events.unrouted", "Events published to a type that had no subscriber", "events", List.of("type")),
    /** Events that reached an outcome; tags {@code type}, {@code subscriber}, {@code outcome}. */
    EVENTS_HANDLED(
            "sluice.events.handled",
            "Events a subscriber finished, by outcome: delivered, recovered, dead_lettered",
            "events",
            List.of("type", "subscriber", "outcome")),
    /** Events a best-effort (system-event) subscriber's full inbox dropped; tags {@code type}, {@code subscriber}. */
    EVENTS_DROPPED(
            "sluice.events.dropped",
            "Events dropped because a best-effort (system-event) subscriber's inbox was full",
            "events",
            List.of("type", "subscriber")),
    /** Time from taking an event out of the inbox to its outcome; tags {@code type}, {@code subscriber}. */
    HANDLER_DURATION(
            "sluice.handler.duration",
            "Time from taking an event out of the inbox to its outcome, retries, fallback and dead letter included",
            "seconds",
            List.of("type", "subscriber")),
    /** Events in a subscriber's inbox now; tags {@code type}, {@code subscriber}. */
    INBOX_SIZE("sluice.inbox.size", "Events waiting in a subscriber's inbox", "events", List.of("type", "subscriber")),
    /** Events being handled or dead-lettered now (inbox included); tags {@code type}, {@code subscriber}. */
    EVENTS_IN_FLIGHT(
            "sluice.events.in.flight",
            "Events offered to a subscriber that have no outcome yet (inbox, handling, or being dead-lettered)",
            "events",
            List.of("type", "subscriber")),
    /** Dead letters the store acknowledged; tags {@code subscriber}, {@code reason}. */
    DEAD_LETTERS_WRITTEN(
            "sluice.dead.letters.written",
            "Dead letters acknowledged by the store, by reason",
            "letters",
            List.of("subscriber", "reason"));

    private final String meterName;
    private final String description;
    private final String baseUnit;
    private final List<String> tagKeys;

    BusMeters(String meterName, String description, String baseUnit, List<String> tagKeys) {
        this.meterName = meterName;
        this.description = description;
        this.baseUnit = baseUnit;
        this.tagKeys = tagKeys;
    }

    /** Return the meter's name. */
    public String meterName() {
        return meterName;
    }

    /** Return the meter's description. */
    public String description() {
        return description;
    }

    /** Return the meter's base unit. */
    public String baseUnit() {
        return baseUnit;
    }

    /** Return the meter's tag keys (all low-cardinality). */
    public List<String> tagKeys() {
        return tagKeys;
    }
}
