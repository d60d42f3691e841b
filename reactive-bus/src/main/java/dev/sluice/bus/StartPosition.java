package dev.sluice.bus;

/**
 * Where a new durable subscriber starts reading its type's partitions, the first time its consumer group is created
 * (docs/DESIGN.md, "Durable types"). An existing group keeps its position whatever is asked.
 */
public enum StartPosition {
    /** At the newest entry: only events published from now on (the default). */
    NEWEST,
    /** At the oldest entry the streams still retain. */
    OLDEST
}
