package dev.sluice.bus.redis;

/**
 * The Redis keys of one subscriber's letters. Every key carries the subscriber as a Redis Cluster hash tag ({@code
 * {subscriber}}), so all of them share a slot and one script may touch them all. Immutable.
 *
 * @param live the stream of live letters, {@code <prefix>:dlq:{<subscriber>}}
 * @param parked the stream of parked letters, {@code …:parked}
 * @param ids hash letter_id → {@code L<entry id>} (live) or {@code P<entry id>} (parked)
 * @param due sorted set letter_id → due time (epoch ms) of scheduled live letters
 * @param leases sorted set letter_id → lease end (epoch ms)
 */
record Keys(String live, String parked, String ids, String due, String leases) {

    static Keys of(String prefix, String subscriber) {
        String stream = prefix + ":dlq:{" + subscriber + "}";
        return new Keys(stream, stream + ":parked", stream + ":ids", stream + ":due", stream + ":leases");
    }

    /** Return the stream of the live ({@code parked == false}) or parked letters. */
    String stream(boolean parked) {
        return parked ? this.parked : live;
    }
}
