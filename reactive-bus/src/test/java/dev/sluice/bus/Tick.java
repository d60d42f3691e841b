package dev.sluice.bus;

/** The payload of the durable tests: a key and its sequence number within the key. */
record Tick(String key, int seq) {

    /** A durable type of ticks keyed by their key, on four partitions. */
    static final EventType<Tick> DURABLE =
            EventType.of("clock.ticked", Tick.class).withKey(Tick::key).durable(new Durability(4, 1));
}
