package dev.sluice.bus.redis;

import java.util.List;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Retention of the partition streams (docs/durable-events.md, "Retention"), one {@link StreamScripts#RETAIN} call per
 * partition: entries every group acknowledged go ({@code XTRIM MINID} to the oldest entry a group still needs), and
 * with a maximum length the oldest entries beyond it go too, each one a group had not handled counted for that group.
 * Never {@code XDEL}. Thread-safe.
 */
final class Retention {

    /** The most entries one script call removes beyond the maximum length; a larger excess takes more calls. */
    static final int BATCH = 1_000;

    private static final Logger log = LoggerFactory.getLogger(Retention.class);
    private static final int MAX_CALLS_PER_PARTITION = 100;

    private final TransportConnection redis;
    private final long maxLength;
    private final BiConsumer<DeclaredType, String> firstUnhandled;

    /** {@code firstUnhandled} is told the first time a group of a type had entries trimmed unhandled. */
    Retention(TransportConnection redis, long maxLength, BiConsumer<DeclaredType, String> firstUnhandled) {
        this.redis = redis;
        this.maxLength = maxLength;
        this.firstUnhandled = firstUnhandled;
    }

    /** Trim every partition of {@code type}, one after the other; emits how many entries were removed in all. */
    Mono<Long> trim(DeclaredType type) {
        return Flux.range(0, type.keys.partitions())
                .concatMap(p -> trim(type, p, 1))
                .reduce(0L, Long::sum);
    }

    private Mono<Long> trim(DeclaredType type, int partition, int calls) {
        String[] keys = {type.keys.stream(partition), type.keys.audit(partition)};
        String[] args = {Long.toString(maxLength), Integer.toString(BATCH)};
        return redis.commands()
                .flatMap(commands -> StreamScripts.RETAIN.list(commands, keys, args))
                .map(reply -> counted(type, partition, reply))
                .flatMap(result -> result.beyondMaxLength() >= BATCH && calls < MAX_CALLS_PER_PARTITION
                        // a full batch beyond the maximum length: there may be more
                        ? trim(type, partition, calls + 1).map(more -> more + result.trimmed())
                        : Mono.just(result.trimmed()));
    }

    private Result counted(DeclaredType type, int partition, List<Object> reply) {
        long trimmed = (Long) reply.get(0);
        long beyond = (Long) reply.get(2);
        type.trimmed.add(trimmed);
        for (int i = 3; i + 1 < reply.size(); i += 2) {
            String group = (String) reply.get(i);
            long n = (Long) reply.get(i + 1);
            boolean first = !type.trimmedUnhandled.containsKey(group);
            type.trimmedUnhandled(group).add(n);
            if (first) {
                firstUnhandled.accept(type, group);
            }
            log.warn(
                    "The maximum length ({}) trimmed {} entries of type {} partition {} before subscriber {} "
                            + "handled them",
                    maxLength,
                    n,
                    type.name,
                    partition,
                    group);
        }
        return new Result(trimmed, beyond);
    }

    /** What one call removed in all, and of that beyond the maximum length (a full batch: call again). */
    private record Result(long trimmed, long beyondMaxLength) {}
}
