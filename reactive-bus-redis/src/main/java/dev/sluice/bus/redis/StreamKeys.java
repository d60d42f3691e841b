package dev.sluice.bus.redis;

/**
 * The Redis keys of one durable event type (docs/durable-events.md, "Stream layout"). Every key of one partition
 * carries the type and partition as its Redis Cluster hash tag ({@code {<type>:<p>}}), so one script may touch a
 * partition's stream, audit, lease and fence together, and the partitions of one type spread over the Cluster's
 * slots; the type-wide keys carry {@code {<type>}}. Immutable.
 *
 * <ul>
 *   <li>{@link #stream(int)} {@code <prefix>:ev:{<type>:<p>}}: the partition stream, one entry per event;
 *   <li>{@link #audit(int)} {@code …:audit}: hash of the partition's counters ({@code trimmed}, and per group {@code
 *       acked:<group>}, {@code trimmed-unhandled:<group>}, {@code base:<group>}, {@code redelivered:<group>});
 *   <li>{@link #lease(int, String)} {@code …:lease:<group>}: string {@code <instance>:<generation>} with a TTL, the
 *       partition's owner for that group while it lives;
 *   <li>{@link #fence(int, String)} {@code …:fence:<group>}: hash {@code generation}, {@code owner}, {@code released}
 *       ({@code 1} when the last owner let go cleanly), never expiring;
 *   <li>{@link #meta()} {@code <prefix>:ev:{<type>}:meta}: hash {@code partitions}, {@code schema} (the type's
 *       layout, recorded at first use);
 *   <li>{@link #members(String)} {@code <prefix>:ev:{<type>}:members:<group>}: sorted set instance → lease end (epoch
 *       ms by the Redis clock), the live consumers of a group;
 *   <li>{@link #instance(String, String)} {@code <prefix>:instance:<id>}: string {@code <generation>} with a TTL, the
 *       lease that keeps one instance id unique among live instances.
 * </ul>
 *
 * @param prefix the key prefix (the dead-letter store's, {@code sluice} by default)
 * @param type the durable type's name
 * @param partitions the type's partition count
 */
record StreamKeys(String prefix, String type, int partitions) {

    /** Return the stream of partition {@code p}. */
    String stream(int p) {
        return prefix + ":ev:{" + type + ":" + p + "}";
    }

    /** Return the audit hash of partition {@code p}. */
    String audit(int p) {
        return stream(p) + ":audit";
    }

    /** Return the lease of partition {@code p} for consumer group {@code group}. */
    String lease(int p, String group) {
        return stream(p) + ":lease:" + group;
    }

    /** Return the fence (generation, owner, clean release) of partition {@code p} for {@code group}. */
    String fence(int p, String group) {
        return stream(p) + ":fence:" + group;
    }

    /** Return the type's metadata hash. */
    String meta() {
        return prefix + ":ev:{" + type + "}:meta";
    }

    /** Return the live members of consumer group {@code group}. */
    String members(String group) {
        return prefix + ":ev:{" + type + "}:members:" + group;
    }

    /** Return the lease key of instance {@code id}. */
    static String instance(String prefix, String id) {
        return prefix + ":instance:" + id;
    }
}
