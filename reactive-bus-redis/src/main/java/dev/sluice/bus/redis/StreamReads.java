package dev.sluice.bus.redis;

import io.lettuce.core.Consumer;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.XReadArgs.StreamOffset;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.reactive.RedisClusterReactiveCommands;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import reactor.core.publisher.Flux;

/**
 * Reads new entries of the partitions a consumer may read, sized by the room the bus has (issue 13, guarantee 5):
 * {@code XREADGROUP GROUP <group> <instance> COUNT n BLOCK t STREAMS …} on the consumer's dedicated read connection,
 * with {@code n = ⌊room / k⌋} over k streams (COUNT is per stream, so at most {@code room} entries come back and
 * nothing is read ahead of the inbox). When {@code room < k}, only {@code room} of the streams are read, with COUNT 1,
 * taken round-robin so every partition gets its turn. On a Redis Cluster, streams in different slots cannot be read by
 * one command: the streams are grouped by slot, each group read without blocking in turn, and only when none had an
 * entry does one group (round-robin) block. Called by one reader at a time; the round-robin positions are atomic.
 */
final class StreamReads {

    private final StreamKeys keys;
    private final Consumer<String> consumer;
    private final Duration block;
    private final AtomicInteger nextStream = new AtomicInteger();
    private final AtomicInteger nextSlot = new AtomicInteger();

    StreamReads(StreamKeys keys, String group, String instance, Duration block) {
        this.keys = Objects.requireNonNull(keys, "keys");
        this.consumer =
                Consumer.from(Objects.requireNonNull(group, "group"), Objects.requireNonNull(instance, "instance"));
        this.block = Objects.requireNonNull(block, "block");
    }

    /**
     * Choose which of the {@code readable} partitions (sorted) one read covers for {@code room} free slots, and its
     * COUNT per stream.
     *
     * @throws IllegalArgumentException if {@code room < 1} or nothing is readable
     */
    Selection select(List<Integer> readable, int room) {
        if (room < 1) {
            throw new IllegalArgumentException("room must be >= 1, but was " + room);
        }
        if (readable.isEmpty()) {
            throw new IllegalArgumentException("readable must name at least one partition, but was empty");
        }
        int k = readable.size();
        if (room >= k) {
            return new Selection(List.copyOf(readable), room / k);
        }
        int from = Math.floorMod(nextStream.getAndAdd(room), k);
        List<Integer> chosen = new ArrayList<>(room);
        for (int i = 0; i < room; i++) {
            chosen.add(readable.get((from + i) % k));
        }
        chosen.sort(Integer::compare);
        return new Selection(List.copyOf(chosen), 1);
    }

    /**
     * Read new entries of {@code selection}'s partitions.
     *
     * @param cluster whether {@code redis} is a Cluster connection (streams of different slots are read apart)
     * @return a {@code Flux} of the entries read (at most {@code count} per stream, in stream order per stream),
     *     empty when nothing arrived within the block time; or Redis's error
     */
    Flux<StreamMessage<String, String>> read(
            RedisClusterReactiveCommands<String, String> redis, boolean cluster, Selection selection) {
        if (!cluster) {
            return xreadgroup(redis, selection.partitions(), selection.count(), true);
        }
        Map<Integer, List<Integer>> bySlot = new LinkedHashMap<>();
        for (int p : selection.partitions()) {
            bySlot.computeIfAbsent(SlotHash.getSlot(keys.stream(p)), s -> new ArrayList<>())
                    .add(p);
        }
        List<List<Integer>> groups = new ArrayList<>(bySlot.values());
        if (groups.size() == 1) {
            return xreadgroup(redis, groups.get(0), selection.count(), true);
        }
        List<Integer> blocking = groups.get(Math.floorMod(nextSlot.getAndIncrement(), groups.size()));
        return Flux.fromIterable(groups)
                .concatMap(group -> xreadgroup(redis, group, selection.count(), false))
                .collectList()
                .flatMapMany(read -> read.isEmpty()
                        ? xreadgroup(redis, blocking, selection.count(), true)
                        : Flux.fromIterable(read));
    }

    private Flux<StreamMessage<String, String>> xreadgroup(
            RedisClusterReactiveCommands<String, String> redis, List<Integer> partitions, int count, boolean blocks) {
        XReadArgs args = XReadArgs.Builder.count(count);
        if (blocks) {
            args.block(block);
        }
        @SuppressWarnings("unchecked")
        StreamOffset<String>[] offsets = partitions.stream()
                .map(p -> StreamOffset.lastConsumed(keys.stream(p)))
                .toArray(StreamOffset[]::new);
        return redis.xreadgroup(consumer, args, offsets);
    }

    /**
     * The partitions one read covers and its COUNT per stream ({@code >= 1}; times the streams, at most the room).
     *
     * @param partitions the partitions, sorted
     * @param count COUNT per stream
     */
    record Selection(List<Integer> partitions, int count) {}
}
