package dev.sluice.bus.redis;

import dev.sluice.policy.MeterDoc;
import java.util.List;

/**
 * Every Micrometer meter a {@link RedisStreamTransport} registers, in one place; bound by its {@code bindTo}. The
 * consumers' meters (lag, pending, oldest pending age, redeliveries, ownership changes) are listed in {@link
 * ConsumerMeters}.
 */
public enum RedisTransportMeters {
    /** Durable events appended (acknowledged by Redis); tag {@code type}. */
    APPENDED(new MeterDoc(
            "sluice.durable.appended",
            "Durable events appended to their partition stream and acknowledged by Redis",
            "events",
            List.of("type"))),
    /** Appends that failed with {@code PublishFailedException}; tag {@code type}. */
    PUBLISH_FAILURES(new MeterDoc(
            "sluice.durable.publish.failures",
            "Durable appends that failed within the publish timeout (PublishFailedException)",
            "events",
            List.of("type"))),
    /** Append attempts retried after a failure; tag {@code type}. */
    PUBLISH_RETRIES(new MeterDoc(
            "sluice.durable.publish.retries",
            "Durable append attempts retried after a failed XADD",
            "attempts",
            List.of("type"))),
    /**
     * Retries of an attempt Redis may have appended already (it timed out or its connection dropped after it was
     * sent): the one case where publishing stores an event twice; tag {@code type}.
     */
    POSSIBLE_DUPLICATES(new MeterDoc(
            "sluice.durable.publish.possible.duplicates",
            "Durable append retries after an attempt that may have landed (timed out or connection lost after sending)",
            "attempts",
            List.of("type"))),
    /** Entries removed by retention; tag {@code type}. */
    TRIMMED(new MeterDoc(
            "sluice.durable.trimmed",
            "Partition entries removed by retention (acknowledged by every group, or beyond the maximum length)",
            "entries",
            List.of("type"))),
    /** Entries a maximum length trimmed before a group handled them; tags {@code type}, {@code subscriber}. */
    TRIMMED_UNHANDLED(new MeterDoc(
            "sluice.durable.trimmed.unhandled",
            "Partition entries the maximum length trimmed before the subscriber's group handled them",
            "entries",
            List.of("type", "subscriber")));

    private final MeterDoc doc;

    RedisTransportMeters(MeterDoc doc) {
        this.doc = doc;
    }

    /** Return the meter's name, description, base unit and tag keys. */
    public MeterDoc doc() {
        return doc;
    }
}
