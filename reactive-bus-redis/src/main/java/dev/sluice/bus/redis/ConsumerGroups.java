package dev.sluice.bus.redis;

import dev.sluice.bus.StartPosition;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.reactive.RedisClusterReactiveCommands;
import java.util.Objects;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Creates one subscriber's consumer group on every partition stream of its type (issue 13, guarantee 2): idempotently
 * ({@code BUSYGROUP} is success), at the newest entry ({@code $}) or the oldest retained one ({@code 0}), creating the
 * stream if it does not exist yet ({@code MKSTREAM}), and recording in the same script, as {@code base:<group>} in the
 * partition's audit, how many of the partition's entries the group will never see; a group that vanished under a
 * running subscriber is created again at the oldest retained entry ({@link #recreateAll}). Never deletes a group or a consumer
 * (deleting a group is the transport's explicit admin call). Immutable, thread-safe.
 */
final class ConsumerGroups {

    private final StreamKeys keys;
    private final String group;
    private final StartPosition start;

    ConsumerGroups(StreamKeys keys, String group, StartPosition start) {
        this.keys = Objects.requireNonNull(keys, "keys");
        this.group = Objects.requireNonNull(group, "group");
        this.start = Objects.requireNonNull(start, "start");
    }

    /**
     * Create the group on every partition that lacks it.
     *
     * @return a {@code Mono} emitting how many partitions' groups were created now (0 when all existed), or the first
     *     error Redis answered
     */
    Mono<Long> createAll(RedisClusterReactiveCommands<String, String> redis) {
        return createAll(redis, start == StartPosition.OLDEST ? "0" : "$");
    }

    /**
     * Create the group again on every partition where it vanished while the subscriber ran (Redis restarted without its
     * data, or the group was destroyed under it), at the oldest retained entry whatever the start position: an entry
     * appended since is never skipped, though one handled before may be handled again (at-least-once).
     *
     * @return a {@code Mono} emitting how many partitions' groups were created again, or the first error Redis answered
     */
    Mono<Long> recreateAll(RedisClusterReactiveCommands<String, String> redis) {
        return createAll(redis, "0");
    }

    private Mono<Long> createAll(RedisClusterReactiveCommands<String, String> redis, String id) {
        return Flux.range(0, keys.partitions())
                .flatMap(p -> create(redis, p, id))
                .filter(Boolean::booleanValue)
                .count();
    }

    /** Create the group on partition {@code p} at {@code id}: emits true if it was created now, false if it existed. */
    private Mono<Boolean> create(RedisClusterReactiveCommands<String, String> redis, int p, String id) {
        return ConsumerScripts.GROUP_CREATE
                .<Long>run(redis, ScriptOutputType.INTEGER, new String[] {keys.stream(p), keys.audit(p)}, group, id)
                .next()
                .map(created -> created == 1L)
                .defaultIfEmpty(false);
    }
}
