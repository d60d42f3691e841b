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
 * partition's audit, how many of the partition's entries the group will never see. Never deletes a group or a consumer
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
        return Flux.range(0, keys.partitions())
                .flatMap(p -> create(redis, p))
                .filter(Boolean::booleanValue)
                .count();
    }

    /** Create the group on partition {@code p}: emits true if it was created now, false if it existed. */
    Mono<Boolean> create(RedisClusterReactiveCommands<String, String> redis, int p) {
        String id = start == StartPosition.OLDEST ? "0" : "$";
        return ConsumerScripts.GROUP_CREATE
                .<Long>run(redis, ScriptOutputType.INTEGER, new String[] {keys.stream(p), keys.audit(p)}, group, id)
                .next()
                .map(created -> created == 1L)
                .defaultIfEmpty(false);
    }
}
