package dev.sluice.bus.redis;

import io.lettuce.core.Consumer;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XClaimArgs;
import io.lettuce.core.cluster.api.reactive.RedisClusterReactiveCommands;
import io.lettuce.core.models.stream.PendingMessage;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Claims a partition's pending entries for a new owner, in stream order, before it reads any new entry (issue 13,
 * guarantees 4 and 7): {@code XPENDING <stream> <group> <cursor> + <count>} over every consumer's pending entries, then
 * {@code XCLAIM <stream> <group> <instance> 0 <ids…> RETRYCOUNT <n>} to this instance. {@code RETRYCOUNT} is set by us
 * so that the delivery count means "deliveries whose owner died under them, plus one": after an unclean end (the last
 * owner's lease expired) each entry's count goes up by one, after a clean release or a rebalance it stays as it was.
 *
 * <p>Never {@code XAUTOCLAIM}: Lettuce 7.7 mis-reports entries deleted while pending on Redis 7 (redis/lettuce#3900).
 * An entry deleted while pending (trimmed under a maximum length, which retention counts) is answered by {@code XCLAIM}
 * as a null on Redis 6.2 and left out on Redis 7; either way it is acknowledged here, uncounted, so it does not stay
 * pending forever. Immutable, thread-safe.
 */
final class PendingClaims {

    private final StreamKeys keys;
    private final String group;
    private final Consumer<String> self;
    private final FencedAcks acks;

    PendingClaims(StreamKeys keys, String group, String instance, FencedAcks acks) {
        this.keys = Objects.requireNonNull(keys, "keys");
        this.group = Objects.requireNonNull(group, "group");
        this.self = Consumer.from(group, Objects.requireNonNull(instance, "instance"));
        this.acks = Objects.requireNonNull(acks, "acks");
    }

    /**
     * Claim the next at most {@code count} pending entries of {@code hold}'s partition, from its cursor on.
     *
     * @return a {@code Mono} of the entries claimed, in stream order, with where the next claim starts and whether the
     *     partition's pending entries are all claimed now; or Redis's error
     */
    Mono<Batch> next(RedisClusterReactiveCommands<String, String> redis, Ownership hold, int count) {
        int p = hold.partition();
        String stream = keys.stream(p);
        return redis.xpending(stream, group, Range.create(hold.cursor(), "+"), Limit.from(count))
                .collectList()
                .flatMap(pending -> {
                    if (pending.isEmpty()) {
                        return Mono.just(new Batch(List.of(), hold.cursor(), true));
                    }
                    String next = successor(pending.get(pending.size() - 1).getId());
                    boolean done = pending.size() < count;
                    return claim(redis, hold, pending).map(claimed -> new Batch(claimed, next, done));
                });
    }

    private Mono<List<Claimed>> claim(
            RedisClusterReactiveCommands<String, String> redis, Ownership hold, List<PendingMessage> pending) {
        String stream = keys.stream(hold.partition());
        Map<Long, List<String>> byCount = new LinkedHashMap<>();
        for (PendingMessage entry : pending) {
            long count = Math.max(1, entry.getRedeliveryCount()) + (hold.unclean() ? 1 : 0);
            byCount.computeIfAbsent(count, c -> new ArrayList<>()).add(entry.getId());
        }
        return Flux.fromIterable(byCount.entrySet())
                .concatMap(group -> redis.xclaim(
                                stream,
                                self,
                                new XClaimArgs().minIdleTime(0).retryCount(group.getKey()),
                                group.getValue().toArray(String[]::new))
                        .filter(PendingClaims::present)
                        .map(message -> new Claimed(message, (int) Math.min(Integer.MAX_VALUE, group.getKey() - 1))))
                .collectList()
                .flatMap(claimed -> {
                    claimed.sort(Comparator.comparing(c -> c.message().getId(), PendingClaims::compareIds));
                    Set<String> found = new HashSet<>();
                    claimed.forEach(c -> found.add(c.message().getId()));
                    List<String> gone = pending.stream()
                            .map(PendingMessage::getId)
                            .filter(id -> !found.contains(id))
                            .toList();
                    Mono<Long> redelivered = claimed.isEmpty()
                            ? Mono.just(0L)
                            : redis.hincrby(keys.audit(hold.partition()), "redelivered:" + group, claimed.size());
                    Mono<Long> dropped =
                            gone.isEmpty() ? Mono.just(0L) : acks.ackGone(redis, hold.partition(), hold.token(), gone);
                    return redelivered.then(dropped).thenReturn(claimed);
                });
    }

    /** Whether XCLAIM answered an entry, not the null Redis 6.2 gives for an entry deleted while pending. */
    private static boolean present(StreamMessage<String, String> message) {
        return message.getId() != null
                && message.getBody() != null
                && !message.getBody().isEmpty();
    }

    /** Return the smallest stream id after {@code id} ({@code <ms>-<seq>}). */
    static String successor(String id) {
        int dash = id.indexOf('-');
        if (dash < 0) {
            throw new IllegalArgumentException("not a stream id: '" + id + "'");
        }
        long ms = Long.parseUnsignedLong(id.substring(0, dash));
        long seq = Long.parseUnsignedLong(id.substring(dash + 1));
        return seq == -1L
                ? Long.toUnsignedString(ms + 1) + "-0"
                : Long.toUnsignedString(ms) + "-" + Long.toUnsignedString(seq + 1);
    }

    /** Compare two stream ids in stream order. */
    static int compareIds(String a, String b) {
        int da = a.indexOf('-');
        int db = b.indexOf('-');
        int byMs = Long.compareUnsigned(
                Long.parseUnsignedLong(a.substring(0, da)), Long.parseUnsignedLong(b.substring(0, db)));
        return byMs != 0
                ? byMs
                : Long.compareUnsigned(
                        Long.parseUnsignedLong(a.substring(da + 1)), Long.parseUnsignedLong(b.substring(db + 1)));
    }

    /**
     * What one claim step got.
     *
     * @param entries the entries claimed, in stream order
     * @param next the cursor of the next step
     * @param done whether no pending entry is left past the cursor
     */
    record Batch(List<Claimed> entries, String next, boolean done) {}

    /**
     * One claimed entry.
     *
     * @param message the entry
     * @param deliveryFailures how many of its deliveries ended with their owner dead (its delivery count minus one)
     */
    record Claimed(StreamMessage<String, String> message, int deliveryFailures) {}
}
