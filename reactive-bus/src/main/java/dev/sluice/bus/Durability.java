package dev.sluice.bus;

/**
 * How a durable event type is laid out on the bus's transport (docs/DESIGN.md, "Durable types"): its events live in
 * {@code partitions} streams (a keyed event in partition {@code hash(key) mod partitions}), each entry tagged with the
 * type's {@code schemaVersion} so that a rolling upgrade can tell old payloads from new ones. The partition count is
 * recorded at first use and fixed from then on: a bus declaring another count fails at startup. Immutable.
 *
 * @param partitions how many partition streams the type has, {@code >= 1} (default {@value #DEFAULT_PARTITIONS})
 * @param schemaVersion the payload's schema version written with every entry, {@code >= 1} (default 1)
 */
public record Durability(int partitions, int schemaVersion) {

    /** Partition streams per durable type unless chosen otherwise. */
    public static final int DEFAULT_PARTITIONS = 16;

    /** The default: {@value #DEFAULT_PARTITIONS} partitions, schema version 1. */
    public static final Durability DEFAULT = new Durability(DEFAULT_PARTITIONS, 1);

    /**
     * Create a layout.
     *
     * @throws IllegalArgumentException if {@code partitions} or {@code schemaVersion} is below 1
     */
    public Durability {
        if (partitions < 1) {
            throw new IllegalArgumentException("partitions must be >= 1, but was " + partitions);
        }
        if (schemaVersion < 1) {
            throw new IllegalArgumentException("schemaVersion must be >= 1, but was " + schemaVersion);
        }
    }
}
