package dev.sluice.bus.redis;

/**
 * Every meter a durable subscriber's {@link StreamConsumer} publishes, listed once (docs/DESIGN.md, "Observability";
 * the shape of reactor-netty's {@code HttpServerMeters}). Tags: {@code type} (the durable type's name) and {@code
 * subscriber} (its group); gauges are sampled from Redis at each heartbeat over all the group's partitions, counters
 * count what this instance did.
 */
enum ConsumerMeter {

    /** Entries of the group not yet delivered to any consumer (the audit's undelivered; Redis 6.2 has no lag). */
    LAG("sluice.durable.lag", "entries", "Entries of a durable subscriber's partitions not yet delivered to it"),

    /** Entries delivered and not yet acknowledged, over the group's partitions. */
    PENDING("sluice.durable.pending", "entries", "Entries read by a durable subscriber and not yet acknowledged"),

    /** Age of the group's oldest pending entry, by its id's append time. */
    OLDEST_PENDING_AGE(
            "sluice.durable.pending.oldest.age",
            "seconds",
            "Age of a durable subscriber's oldest unacknowledged entry"),

    /** Entries this instance claimed from a partition's previous owner and handed to the bus again. */
    REDELIVERIES(
            "sluice.durable.redeliveries", "entries", "Entries handed to a durable subscriber again after a takeover"),

    /** Partitions this instance claimed, gave up or lost. */
    OWNERSHIP_CHANGES(
            "sluice.durable.ownership.changes",
            "changes",
            "Partitions a durable subscriber's consumer claimed, released or lost"),

    /** Acknowledgements refused by the fence: the lease they were read under was lost. */
    ACKS_REFUSED(
            "sluice.durable.acks.refused",
            "entries",
            "Acknowledgements refused because the partition's lease had moved on"),

    /** Entries this instance handed back unacknowledged (close, dispose, fencing, rebalance). */
    RELEASED("sluice.durable.released", "entries", "Entries a durable subscriber handed back unacknowledged"),

    /** Partitions this instance holds now. */
    PARTITIONS_OWNED(
            "sluice.durable.partitions.owned", "partitions", "Partitions a durable subscriber's consumer holds");

    private final String meterName;
    private final String baseUnit;
    private final String description;

    ConsumerMeter(String meterName, String baseUnit, String description) {
        this.meterName = meterName;
        this.baseUnit = baseUnit;
        this.description = description;
    }

    /** Return the meter's name. */
    String meterName() {
        return meterName;
    }

    /** Return the meter's base unit. */
    String baseUnit() {
        return baseUnit;
    }

    /** Return the meter's description. */
    String description() {
        return description;
    }
}
