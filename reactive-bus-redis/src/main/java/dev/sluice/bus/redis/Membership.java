package dev.sluice.bus.redis;

import io.lettuce.core.Range;
import io.lettuce.core.cluster.api.reactive.RedisClusterReactiveCommands;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import reactor.core.publisher.Mono;

/**
 * One instance's membership of a subscriber's consumer group: an entry in {@link StreamKeys#members(String)}, a sorted
 * set of instance → lease end (epoch ms by the Redis clock, so members never disagree about who is live), renewed at
 * every heartbeat; a member whose lease ended is dropped by the next heartbeat of any member. The balancer shares the
 * partitions among the members this returns. Leaving removes only the membership: the instance's consumer stays in
 * the Redis group, since {@code XGROUP DELCONSUMER} would drop its pending entries (watermill-redisstream#24).
 * Immutable, thread-safe.
 */
final class Membership {

    private final String key;
    private final String instance;
    private final Duration ttl;

    Membership(StreamKeys keys, String group, String instance, Duration ttl) {
        this.key = keys.members(Objects.requireNonNull(group, "group"));
        this.instance = Objects.requireNonNull(instance, "instance");
        this.ttl = Objects.requireNonNull(ttl, "ttl");
    }

    /**
     * Renew this instance's membership for the lease time and drop expired members.
     *
     * @return a {@code Mono} of the live members, this one included, in member (string) order
     */
    Mono<List<String>> heartbeat(RedisClusterReactiveCommands<String, String> redis) {
        return ConsumerScripts.MEMBERS_HEARTBEAT
                .elements(redis, new String[] {key}, instance, Long.toString(ttl.toMillis()))
                .map(String::valueOf)
                // ZRANGE orders by lease end, so each member would see itself last: sort, so every member sees one list
                .collectSortedList();
    }

    /** Remove this instance from the members at once (a clean leave). */
    Mono<Void> leave(RedisClusterReactiveCommands<String, String> redis) {
        return redis.zrem(key, instance).then();
    }

    /** Return how many members are live now, by the Redis clock's last heartbeat scores and {@code nowMillis}. */
    Mono<Long> live(RedisClusterReactiveCommands<String, String> redis, long nowMillis) {
        return redis.zcount(key, Range.create(nowMillis, Long.MAX_VALUE));
    }
}
