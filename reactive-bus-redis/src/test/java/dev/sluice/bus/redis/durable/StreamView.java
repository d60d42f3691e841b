package dev.sluice.bus.redis.durable;

import io.lettuce.core.Consumer;
import io.lettuce.core.KeyValue;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.models.stream.PendingMessage;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * What the multi-instance tests read raw from Redis, by the key layout docs/durable-events.md documents ({@code
 * <prefix>:ev:{<type>:<p>}} and its {@code :lease:<group>}), with a plain Lettuce connection: lease holders, a
 * consumer's pending entries, every entry's event, the handling lines the nodes pushed. Blocks the test's thread.
 */
final class StreamView {

    static final int PARTITIONS = 16;

    private static final Pattern SEQ = Pattern.compile("\"seq\"\\s*:\\s*(\\d+)");

    private final RedisCommands<String, String> redis;
    private final String prefix;
    private final String type;
    private final String handlings;

    StreamView(RedisCommands<String, String> redis, String testPrefix, String type) {
        this.redis = redis;
        this.prefix = testPrefix + "sluice";
        this.type = type;
        this.handlings = DurableNode.handlingsKey(testPrefix);
    }

    /** One entry of a partition stream: where it is, and which event ({@code key#seq}) it carries. */
    record Entry(int partition, String id, String event) {}

    String stream(int p) {
        return prefix + ":ev:{" + type + ":" + p + "}";
    }

    String lease(int p) {
        return stream(p) + ":lease:" + DurableNode.SUBSCRIBER;
    }

    /** Return each partition's lease holder (the instance id before {@code :generation}), null where none. */
    List<@Nullable String> holders() {
        String[] keys = new String[PARTITIONS];
        for (int p = 0; p < PARTITIONS; p++) {
            keys[p] = lease(p);
        }
        List<@Nullable String> holders = new ArrayList<>();
        for (KeyValue<String, String> value : redis.mget(keys)) {
            holders.add(
                    value.hasValue()
                            ? value.getValue().substring(0, value.getValue().lastIndexOf(':'))
                            : null);
        }
        return holders;
    }

    /** Return whether {@code instance} holds every partition's lease. */
    boolean holdsAll(String instance) {
        return holders().stream().allMatch(instance::equals);
    }

    /**
     * Return, for each partition whose lease {@code instance} holds, a lower bound of the lease's end on {@link
     * System#nanoTime()}: the time before {@code PTTL} was sent plus its answer, less 1 ms for Redis's millisecond
     * clock.
     */
    Map<Integer, Long> leaseEndsOf(String instance) {
        Map<Integer, Long> ends = new TreeMap<>();
        for (int p = 0; p < PARTITIONS; p++) {
            long before = System.nanoTime();
            String holder = redis.get(lease(p));
            Long ttl = redis.pttl(lease(p));
            if (holder != null && holder.startsWith(instance + ":") && ttl != null && ttl > 0) {
                ends.put(p, before + TimeUnit.MILLISECONDS.toNanos(ttl - 1));
            }
        }
        return ends;
    }

    /** Return the entries pending for {@code consumer} in the subscriber's group now, with their events. */
    List<Entry> pendingOf(String consumer) {
        List<Entry> pending = new ArrayList<>();
        for (int p = 0; p < PARTITIONS; p++) {
            List<PendingMessage> messages = redis.xpending(
                    stream(p),
                    Consumer.from(DurableNode.SUBSCRIBER, consumer),
                    Range.create("-", "+"),
                    Limit.from(100_000));
            for (PendingMessage message : messages) {
                List<StreamMessage<String, String>> entry =
                        redis.xrange(stream(p), Range.create(message.getId(), message.getId()));
                pending.add(new Entry(
                        p,
                        message.getId(),
                        entry.isEmpty() ? "gone" : event(entry.get(0).getBody())));
            }
        }
        return pending;
    }

    /** Return, per partition with pending entries, how many each consumer has: for failure messages. */
    Map<Integer, Map<String, Long>> pendingByConsumer() {
        Map<Integer, Map<String, Long>> pending = new TreeMap<>();
        for (int p = 0; p < PARTITIONS; p++) {
            var summary = redis.xpending(stream(p), DurableNode.SUBSCRIBER);
            if (summary.getCount() > 0) {
                pending.put(p, new TreeMap<>(summary.getConsumerMessageCount()));
            }
        }
        return pending;
    }

    /** Return how many entries are pending for {@code consumer} now (the group's summary per partition). */
    long pendingCount(String consumer) {
        long count = 0;
        for (int p = 0; p < PARTITIONS; p++) {
            count += redis.xpending(stream(p), DurableNode.SUBSCRIBER)
                    .getConsumerMessageCount()
                    .getOrDefault(consumer, 0L);
        }
        return count;
    }

    /** Return every entry of every partition, in stream order per partition. */
    List<Entry> entries() {
        List<Entry> all = new ArrayList<>();
        for (int p = 0; p < PARTITIONS; p++) {
            for (StreamMessage<String, String> message : redis.xrange(stream(p), Range.create("-", "+"))) {
                all.add(new Entry(p, message.getId(), event(message.getBody())));
            }
        }
        return all;
    }

    /** Return the partition of every key published (each key's events share one). */
    Map<String, Integer> partitionOfKeys() {
        Map<String, Integer> byKey = new HashMap<>();
        for (Entry entry : entries()) {
            byKey.put(entry.event().substring(0, entry.event().indexOf('#')), entry.partition());
        }
        return byKey;
    }

    /** Return the handling lines every node pushed so far. */
    List<String> handlingLines() {
        return redis.lrange(handlings, 0, -1);
    }

    /** Return how many handler calls {@code instance} started so far. */
    long startsBy(String instance) {
        return handlingLines().stream()
                .filter(line -> line.startsWith("S|" + instance + "|"))
                .count();
    }

    /** Wait, polling every 20 ms, until {@code done} holds; fails naming {@code what} after {@code seconds}. */
    static void await(String what, long seconds, BooleanSupplier done) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!done.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("not within " + seconds + " s: " + what);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
    }

    private static String event(Map<String, String> body) {
        String payload = body.getOrDefault("payload", "");
        Matcher seq = SEQ.matcher(payload);
        return body.getOrDefault("key", "?") + "#" + (seq.find() ? seq.group(1) : "?");
    }
}
