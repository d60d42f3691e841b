package dev.sluice.bus.redis;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;

/**
 * One durable type the transport declared: its keys and schema version, one {@link AppendLane} per partition, the
 * round-robin cursor of null-keyed events, and its counters (read by {@link RedisTransportMeters}). Thread-safe.
 */
final class DeclaredType {

    final String name;
    final StreamKeys keys;
    final int schemaVersion;
    final AppendLane[] lanes;
    final AtomicInteger roundRobin = new AtomicInteger();
    final LongAdder appended = new LongAdder();
    final LongAdder failed = new LongAdder();
    final LongAdder retries = new LongAdder();
    final LongAdder possibleDuplicates = new LongAdder();
    final LongAdder trimmed = new LongAdder();
    final Map<String, LongAdder> trimmedUnhandled = new ConcurrentHashMap<>();

    DeclaredType(String name, StreamKeys keys, int schemaVersion) {
        this.name = name;
        this.keys = keys;
        this.schemaVersion = schemaVersion;
        this.lanes = new AppendLane[keys.partitions()];
        for (int p = 0; p < lanes.length; p++) {
            lanes[p] = new AppendLane(p, keys.stream(p));
        }
    }

    /** Return the partition of an event with {@code key}: its hash, or the next in round robin for a null key. */
    int partition(@Nullable String key) {
        return key == null
                ? Math.floorMod(roundRobin.getAndIncrement(), lanes.length)
                : PartitionHash.partition(key, lanes.length);
    }

    /** Return the counter of entries {@code group} lost to the max length before handling them. */
    LongAdder trimmedUnhandled(String group) {
        return trimmedUnhandled.computeIfAbsent(group, g -> new LongAdder());
    }
}
