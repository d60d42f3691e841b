package dev.sluice.bus.redis;

import java.util.Map;
import java.util.Objects;

/**
 * The stream-level audit of one durable type, summed over its partitions, read from Redis by {@link
 * RedisStreamTransport#audit} (docs/durable-events.md, "Audit and metrics"). It lives in Redis, so the counts of an
 * instance that was killed are not lost. Immutable.
 *
 * @param type the durable type's name
 * @param published entries ever appended: the streams' length plus every entry trimmed so far
 * @param trimmed entries removed by retention so far
 * @param groups the audit of each consumer group (subscriber), by name
 */
public record StreamAudit(String type, long published, long trimmed, Map<String, Group> groups) {

    /** Validate; groups are copied. */
    public StreamAudit {
        Objects.requireNonNull(type, "type");
        groups = Map.copyOf(Objects.requireNonNull(groups, "groups"));
    }

    /**
     * One consumer group's audit. At quiescence (nothing pending, nothing undelivered) {@code published = base + acked
     * + trimmedUnhandled}; a group created at the oldest entry has {@code base} 0. Redis 6.2 has no {@code lag} field
     * in {@code XINFO GROUPS} (it came with 7.0), so {@code undelivered} is computed from counters alone, the same way
     * on every version: {@code published - base - acked - pending - trimmedUnhandled}.
     *
     * @param group the group's (subscriber's) name
     * @param published entries ever appended to the type's partitions (as {@link StreamAudit#published()})
     * @param base entries appended before the group was created, which it never sees (a group created at the newest
     *     entry)
     * @param acked entries the group acknowledged (by the fenced ack script)
     * @param pending entries delivered to a consumer of the group and not acknowledged yet
     * @param undelivered entries not yet delivered to any consumer of the group
     * @param trimmedUnhandled entries trimmed by a maximum length before the group handled them
     * @param redelivered deliveries after the first (an owner died under the entry), counted apart
     */
    public record Group(
            String group,
            long published,
            long base,
            long acked,
            long pending,
            long undelivered,
            long trimmedUnhandled,
            long redelivered) {

        /** Validate. */
        public Group {
            Objects.requireNonNull(group, "group");
        }
    }
}
