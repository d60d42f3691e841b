package dev.sluice.bus.redis;

import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.reactive.RedisClusterReactiveCommands;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

/**
 * The fenced partition leases of one subscriber's group (issue 13, guarantee 4; docs/durable-events.md, "Ownership
 * and fencing"). A partition's lease {@link StreamKeys#lease(int, String)} holds {@code <instance>:<generation>} for
 * the lease time; its fence {@link StreamKeys#fence(int, String)} keeps the generation, the last owner and whether
 * that owner released cleanly, and never expires. All three operations are Lua scripts, so a claim, a renewal or a
 * release cannot interleave with another instance's:
 *
 * <ul>
 *   <li>claim: only if no lease lives; generation + 1, the lease set with {@code PX}, and the answer whether the last
 *       owner released cleanly (if not, its last handler may still run: the caller waits before starting one);
 *   <li>renew: only while the lease holds our token; a failed renewal means the partition is lost, at once;
 *   <li>release: only while the lease holds our token; deletes it and marks the release clean, unless the releasing
 *       owner's own takeover wait had not ended (it took the partition from a dead owner and gives it up before
 *       starting anything): then the dead owner's last handler may still run, and the next owner waits too.
 * </ul>
 *
 * Immutable, thread-safe.
 */
final class PartitionLeases {

    private final StreamKeys keys;
    private final String group;
    private final String instance;
    private final String ttlMillis;

    PartitionLeases(StreamKeys keys, String group, String instance, Duration ttl) {
        this.keys = Objects.requireNonNull(keys, "keys");
        this.group = Objects.requireNonNull(group, "group");
        this.instance = Objects.requireNonNull(instance, "instance");
        this.ttlMillis = Long.toString(ttl.toMillis());
    }

    /**
     * Claim partition {@code p} if its lease is free.
     *
     * @return a {@code Mono} of the outcome: acquired with its generation and whether the last owner released
     *     cleanly, or held by someone (named); errors if Redis could not be asked
     */
    Mono<Claim> claim(RedisClusterReactiveCommands<String, String> redis, int p) {
        return ConsumerScripts.LEASE_CLAIM
                .elements(redis, leaseAndFence(p), instance, ttlMillis)
                .collectList()
                .map(reply -> Claim.of(p, reply));
    }

    /** Renew our lease of {@code p} under {@code token}: emits true if renewed, false if the partition is lost. */
    Mono<Boolean> renew(RedisClusterReactiveCommands<String, String> redis, int p, String token) {
        return ConsumerScripts.LEASE_RENEW
                .<Long>run(redis, ScriptOutputType.INTEGER, new String[] {keys.lease(p, group)}, token, ttlMillis)
                .next()
                .map(renewed -> renewed == 1L)
                .defaultIfEmpty(false);
    }

    /**
     * Release our lease of {@code p}, cleanly if {@code clean} (our takeover wait had ended, so no earlier owner's
     * handler can still run): emits true if released, false if it was no longer ours.
     */
    Mono<Boolean> release(RedisClusterReactiveCommands<String, String> redis, int p, String token, boolean clean) {
        return ConsumerScripts.LEASE_RELEASE
                .<Long>run(redis, ScriptOutputType.INTEGER, leaseAndFence(p), token, clean ? "1" : "0")
                .next()
                .map(released -> released == 1L)
                .defaultIfEmpty(false);
    }

    /** Return the lease token of {@code generation}: {@code <instance>:<generation>}. */
    String token(long generation) {
        return instance + ":" + generation;
    }

    private String[] leaseAndFence(int p) {
        return new String[] {keys.lease(p, group), keys.fence(p, group)};
    }

    /**
     * The outcome of a claim.
     *
     * @param partition the partition
     * @param acquired whether we hold the lease now
     * @param generation the fencing generation we hold it under (0 if not acquired)
     * @param clean whether the last owner released cleanly or there was none (meaningful if acquired)
     * @param holder the lease's holder if not acquired, else null
     */
    record Claim(int partition, boolean acquired, long generation, boolean clean, @Nullable String holder) {

        static Claim of(int partition, List<Object> reply) {
            if (reply.isEmpty()) {
                throw new IllegalStateException("lease-claim.lua answered nothing for partition " + partition);
            }
            if (((Long) reply.get(0)) == 0L) {
                return new Claim(partition, false, 0, false, String.valueOf(reply.get(1)));
            }
            return new Claim(partition, true, (Long) reply.get(1), ((Long) reply.get(2)) == 1L, null);
        }
    }
}
