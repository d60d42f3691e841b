package dev.sluice.bus.redis;

import dev.sluice.bus.SubscriberHealth;
import io.lettuce.core.cluster.api.reactive.RedisClusterReactiveCommands;
import io.lettuce.core.models.stream.PendingMessages;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * One subscriber's group as one consumer last sampled it from Redis (issue 13, guarantee 9), its own counters, and
 * the health that follows. Sampled at each heartbeat over every partition: {@code XLEN}, the audit, the {@code
 * XPENDING} summary and whether anyone holds the lease. Lag is the group's undelivered entries, computed from the
 * audit because Redis 6.2 has no {@code lag} in {@code XINFO GROUPS}: {@code XLEN + trimmed − base:<group> −
 * acked:<group> − pending − trimmed-unhandled:<group>} per partition. The oldest pending age is the age of the oldest
 * pending entry's id (its append time, by the Redis clock that made the id). Thread-safe: volatile snapshots and
 * atomic counters.
 */
final class ConsumerStats {

    private final StreamKeys keys;
    private final String group;

    private final AtomicLong redeliveries = new AtomicLong();
    private final AtomicLong ownershipChanges = new AtomicLong();
    private final AtomicLong refusedAcks = new AtomicLong();
    private final AtomicLong released = new AtomicLong();
    private volatile @Nullable Snapshot last;
    private volatile @Nullable Throwable failure;

    ConsumerStats(StreamKeys keys, String group) {
        this.keys = Objects.requireNonNull(keys, "keys");
        this.group = Objects.requireNonNull(group, "group");
    }

    /**
     * Sample the group now; {@code liveMembers} is what the heartbeat just saw.
     *
     * @return a {@code Mono} that completes when the snapshot is taken; a failed sample is recorded for {@link
     *     #health} and signalled
     */
    Mono<Void> sample(RedisClusterReactiveCommands<String, String> redis, int liveMembers, long nowMillis) {
        return Flux.range(0, keys.partitions())
                .flatMap(p -> partition(redis, p))
                .collectList()
                .doOnNext(parts -> {
                    long lag = 0;
                    long pending = 0;
                    long oldest = Long.MAX_VALUE;
                    int held = 0;
                    for (Partition part : parts) {
                        lag += Math.max(0, part.lag());
                        pending += part.pending();
                        oldest = Math.min(oldest, part.oldestMillis());
                        held += part.held() ? 1 : 0;
                    }
                    long age = oldest == Long.MAX_VALUE ? 0 : Math.max(0, nowMillis - oldest);
                    last = new Snapshot(lag, pending, age, held, liveMembers);
                    failure = null;
                })
                .doOnError(e -> failure = e)
                .then();
    }

    private Mono<Partition> partition(RedisClusterReactiveCommands<String, String> redis, int p) {
        Mono<Long> length = redis.xlen(keys.stream(p));
        Mono<List<Long>> audit = redis.hmget(
                        keys.audit(p), "trimmed", "acked:" + group, "base:" + group, "trimmed-unhandled:" + group)
                .map(value -> value.hasValue() ? parse(value.getValue()) : 0L)
                .collectList();
        Mono<PendingMessages> pending = redis.xpending(keys.stream(p), group);
        Mono<Long> held = redis.exists(keys.lease(p, group));
        return Mono.zip(length, audit, pending, held).map(t -> {
            List<Long> a = t.getT2();
            long pendingCount = t.getT3().getCount();
            long lag = t.getT1() + a.get(0) - a.get(2) - a.get(1) - pendingCount - a.get(3);
            long oldest = Long.MAX_VALUE;
            if (pendingCount > 0 && t.getT3().getMessageIds().getLower().getValue() != null) {
                oldest = millisOf(t.getT3().getMessageIds().getLower().getValue());
            }
            return new Partition(lag, pendingCount, oldest, t.getT4() > 0);
        });
    }

    /** Count entries handed to this consumer again after another owner had them. */
    void redelivered(long entries) {
        redeliveries.addAndGet(entries);
    }

    /** Count a partition this consumer claimed, lost or released. */
    void ownershipChanged() {
        ownershipChanges.incrementAndGet();
    }

    /** Count acknowledgements the fence refused. */
    void refused() {
        refusedAcks.incrementAndGet();
    }

    /** Count an entry handed back unacknowledged. */
    void releasedOne() {
        released.incrementAndGet();
    }

    long redeliveries() {
        return redeliveries.get();
    }

    long ownershipChanges() {
        return ownershipChanges.get();
    }

    long refusedAcks() {
        return refusedAcks.get();
    }

    long released() {
        return released.get();
    }

    /** Return the last snapshot, or null before the first. */
    @Nullable
    Snapshot last() {
        return last;
    }

    /**
     * Return the health the last sample shows: {@code DEGRADED} while Redis could not be sampled, no live consumer of
     * the group holds a partition, the lag passes {@code maxLag} or the oldest pending entry is older than {@code
     * maxPendingAge}; else healthy. Healthy before the first sample.
     */
    SubscriberHealth health(long maxLag, Duration maxPendingAge) {
        Throwable failed = failure;
        if (failed != null) {
            return new SubscriberHealth(
                    SubscriberHealth.Status.DEGRADED, "group '" + group + "' cannot be sampled: " + failed);
        }
        Snapshot now = last;
        if (now == null) {
            return SubscriberHealth.healthy();
        }
        if (now.liveMembers() == 0 || now.heldPartitions() == 0) {
            return new SubscriberHealth(
                    SubscriberHealth.Status.DEGRADED,
                    "no live consumer of group '" + group + "' holds a partition (the group pins retention)");
        }
        if (now.lag() > maxLag) {
            return new SubscriberHealth(
                    SubscriberHealth.Status.DEGRADED,
                    "group '" + group + "' lags " + now.lag() + " entries, more than " + maxLag);
        }
        if (now.oldestPendingAgeMillis() > maxPendingAge.toMillis()) {
            return new SubscriberHealth(
                    SubscriberHealth.Status.DEGRADED,
                    "group '" + group + "''s oldest pending entry is " + now.oldestPendingAgeMillis()
                            + " ms old, more than " + maxPendingAge.toMillis() + " ms");
        }
        return SubscriberHealth.healthy();
    }

    private static long parse(String value) {
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new IllegalStateException("audit counter is not a number: '" + value + "'", e);
        }
    }

    private static long millisOf(String id) {
        int dash = id.indexOf('-');
        return Long.parseLong(dash < 0 ? id : id.substring(0, dash));
    }

    /**
     * The group as last sampled.
     *
     * @param lag undelivered entries over all partitions
     * @param pending pending entries over all partitions
     * @param oldestPendingAgeMillis the oldest pending entry's age in ms (0 when none is pending)
     * @param heldPartitions partitions whose lease someone holds
     * @param liveMembers the group's live members
     */
    record Snapshot(long lag, long pending, long oldestPendingAgeMillis, int heldPartitions, int liveMembers) {}

    private record Partition(long lag, long pending, long oldestMillis, boolean held) {}
}
