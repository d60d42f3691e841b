package dev.sluice.benchmarks;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.lettuce.core.Consumer;
import io.lettuce.core.RedisClient;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XGroupCreateArgs;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.XReadArgs.StreamOffset;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.reactive.RedisReactiveCommands;
import io.lettuce.core.api.sync.RedisCommands;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Durable events per second through Redis Streams (issue 13, "Performance"): the hand-written baselines a user would
 * write with Lettuce, over {@value #PARTITIONS} partition streams on an embedded Redis 6.2 started per trial (see
 * {@link BenchRedis}).
 *
 * <p>The entry is the shape, flat strings: {@code id}, {@code type}, {@code key}, {@code headers} (JSON
 * object), {@code payload} (the ~200-byte JSON of {@link DeadLetterBenchmark#PAYLOAD}), {@code published_at}
 * (ISO-8601), {@code format}. Per event the baselines build the id (from a counter: cheaper than any UUID), read the
 * clock and print {@code published_at}, pick the key (one of {@value #KEYS}) and its partition ({@code
 * floorMod(key.hashCode(), 16)}); payload and headers are ready-made JSON, and the consumer decodes nothing: the
 * baselines are the floor of what Redis and Lettuce cost, not of what a typed handler costs.
 *
 * <p>One invocation publishes {@value #BATCH} entries, {@value #IN_FLIGHT} {@code XADD}s in flight ({@code flatMap}
 * concurrency) on one auto-flushing connection, and returns when Redis acknowledged every one (publish-only) or when
 * every one was read and acknowledged by the consumer group (loop), so a score is entries per second ({@link
 * OperationsPerInvocation}). Keys are reset every iteration: the teardown checks that nothing was lost (every entry
 * written is in a stream; in the loop, every one acknowledged and none pending), then deletes the streams.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(3)
public class StreamBenchmark {

    static final int PARTITIONS = 16;
    static final int BATCH = 2_048;
    static final int IN_FLIGHT = 256;
    static final int READ_COUNT = 128;
    static final int KEYS = 1_024;
    static final String TYPE = "bench.order";
    static final String GROUP = "bench";
    /** How long one blocking read waits; also how long stopping the consumer can take. */
    static final Duration BLOCK = Duration.ofMillis(100);
    /** Bound of one invocation's wait: only a lost entry or a wedged Redis takes this long. */
    static final Duration INVOCATION_TIMEOUT = Duration.ofSeconds(60);

    static final String HEADERS = "{\"trace-id\":\"4bf92f3577b34da6a3ce929d0e0e4736\",\"tenant\":\"acme\"}";
    static final String FORMAT = "json;v=1";
    static final String[] KEY_NAMES = new String[KEYS];

    static {
        for (int i = 0; i < KEYS; i++) {
            KEY_NAMES[i] = "order-" + (100_000 + i);
        }
    }

    /** Baseline: pipelined {@code XADD} of the entry to its partition stream, nothing reads it. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void rawLettuceXadd(RawPublish state) {
        state.publishBatch();
    }

    /**
     * Baseline: the same publishing while one consumer reads the group with {@code XREADGROUP COUNT 128 BLOCK 100} over
     * the 16 streams on a connection of its own, counts each entry as handled, and acknowledges each read's entries with
     * one {@code XACK} per stream (on the publisher's connection) before it reads again; no policies.
     */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void rawLettuceStreamLoop(RawLoop state) {
        long target = state.raw.written + BATCH;
        state.raw.publishBatch();
        state.consumer.awaitAcked(target);
    }

    /** The partition stream names of the baselines (the layout of {@code StreamKeys}, another prefix). */
    static String[] rawStreams() {
        String[] streams = new String[PARTITIONS];
        for (int p = 0; p < PARTITIONS; p++) {
            streams[p] = "raw:ev:{" + TYPE + ":" + p + "}";
        }
        return streams;
    }

    /**
     * A Redis, a client and the publishing connection: what both baselines share. Not a JMH state itself, so each
     * state's setup and teardown run exactly once.
     */
    static final class RawStreams {
        final String[] streams = rawStreams();
        final BenchRedis redis;
        final RedisClient client;
        final StatefulRedisConnection<String, String> connection;
        final String payloadJson;
        long written;
        long nextId;

        RawStreams() throws IOException {
            redis = BenchRedis.start("stream-benchmark");
            client = RedisClient.create(redis.uri());
            connection = client.connect();
            payloadJson = new ObjectMapper().writeValueAsString(DeadLetterBenchmark.PAYLOAD);
        }

        void publishBatch() {
            RedisReactiveCommands<String, String> commands = connection.reactive();
            long first = nextId;
            nextId += BATCH;
            Flux.range(0, BATCH)
                    .flatMap(
                            i -> {
                                String key = KEY_NAMES[(int) ((first + i) % KEYS)];
                                String stream = streams[Math.floorMod(key.hashCode(), PARTITIONS)];
                                return commands.xadd(stream, entry("evt-" + (first + i), key, payloadJson));
                            },
                            IN_FLIGHT)
                    .blockLast(INVOCATION_TIMEOUT);
            written += BATCH;
        }

        /** Fail unless the streams hold every entry written; then delete them. */
        void checkAndReset() {
            RedisCommands<String, String> sync = connection.sync();
            long stored = 0;
            for (String stream : streams) {
                stored += sync.xlen(stream);
            }
            if (stored != written) {
                throw new IllegalStateException("lost entries: wrote " + written + ", the streams hold " + stored);
            }
            sync.del(streams);
            written = 0;
        }

        void close() throws IOException {
            connection.close();
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            redis.close();
        }
    }

    /** The publish-only baseline's state. */
    @State(Scope.Benchmark)
    public static class RawPublish {
        RawStreams raw;

        @Setup(Level.Trial)
        public void start() throws IOException {
            raw = new RawStreams();
        }

        void publishBatch() {
            raw.publishBatch();
        }

        @TearDown(Level.Iteration)
        public void checkAndReset() {
            raw.checkAndReset();
        }

        @TearDown(Level.Trial)
        public void stop() throws IOException {
            raw.close();
        }
    }

    /** The loop's state: {@link RawStreams} plus a consumer group on every stream and the hand-written consumer. */
    @State(Scope.Benchmark)
    public static class RawLoop {
        RawStreams raw;
        StatefulRedisConnection<String, String> reads;
        RawConsumer consumer;

        @Setup(Level.Trial)
        public void start() throws IOException {
            raw = new RawStreams();
            reads = raw.client.connect();
        }

        @Setup(Level.Iteration)
        public void createGroupsAndStart() {
            RedisCommands<String, String> sync = raw.connection.sync();
            for (String stream : raw.streams) {
                sync.xgroupCreate(StreamOffset.latest(stream), GROUP, XGroupCreateArgs.Builder.mkstream());
            }
            consumer = new RawConsumer(reads.reactive(), raw.connection.reactive(), raw.streams);
            consumer.start();
        }

        @TearDown(Level.Iteration)
        public void checkAndReset() {
            long written = raw.written;
            consumer.awaitAcked(written);
            consumer.stop();
            RedisCommands<String, String> sync = raw.connection.sync();
            long pending = 0;
            for (String stream : raw.streams) {
                pending += sync.xpending(stream, GROUP).getCount();
            }
            if (consumer.acked() != written || consumer.handled() != written || pending != 0) {
                throw new IllegalStateException("wrote " + written + " entries, handled " + consumer.handled()
                        + ", acknowledged " + consumer.acked() + ", " + pending + " still pending");
            }
            raw.checkAndReset();
        }

        @TearDown(Level.Trial)
        public void stop() throws IOException {
            reads.close();
            raw.close();
        }
    }

    /**
     * The consumer a user would hand-write: read, handle, acknowledge, repeat, until stopped. The reads' replies arrive
     * on the read connection's event-loop thread and the acks' on the publisher's; the loop runs on whichever completed
     * last.
     */
    static final class RawConsumer {
        private final RedisReactiveCommands<String, String> reads;
        private final RedisReactiveCommands<String, String> commands;
        private final StreamOffset<String>[] offsets;
        private final Consumer<String> self = Consumer.from(GROUP, "consumer-1");
        private final XReadArgs args = XReadArgs.Builder.count(READ_COUNT).block(BLOCK.toMillis());
        private final AtomicLong handled = new AtomicLong();
        private final AtomicLong acked = new AtomicLong();
        private final CompletableFuture<Void> stopped = new CompletableFuture<>();
        private volatile boolean running = true;
        private volatile long target = Long.MAX_VALUE;
        private volatile @Nullable Thread waiter;
        private long payloadBytes;
        private @Nullable Disposable loop;

        @SuppressWarnings("unchecked")
        RawConsumer(
                RedisReactiveCommands<String, String> reads,
                RedisReactiveCommands<String, String> commands,
                String[] streams) {
            this.reads = reads;
            this.commands = commands;
            this.offsets = new StreamOffset[streams.length];
            for (int i = 0; i < streams.length; i++) {
                offsets[i] = StreamOffset.lastConsumed(streams[i]);
            }
        }

        void start() {
            loop = Mono.defer(this::readOnce)
                    .repeat(() -> running)
                    .subscribe(ignored -> {}, stopped::completeExceptionally, () -> stopped.complete(null));
        }

        private Mono<Void> readOnce() {
            return reads.xreadgroup(self, args, offsets).collectList().flatMap(this::handleAndAck);
        }

        private Mono<Void> handleAndAck(List<StreamMessage<String, String>> batch) {
            if (batch.isEmpty()) {
                return Mono.empty();
            }
            Map<String, List<String>> idsByStream = new HashMap<>();
            for (StreamMessage<String, String> message : batch) {
                String payload = message.getBody().get("payload");
                payloadBytes += payload == null ? 0 : payload.length();
                idsByStream
                        .computeIfAbsent(message.getStream(), stream -> new ArrayList<>())
                        .add(message.getId());
            }
            handled.addAndGet(batch.size());
            return Flux.fromIterable(idsByStream.entrySet())
                    .flatMap(ids ->
                            commands.xack(ids.getKey(), GROUP, ids.getValue().toArray(String[]::new)))
                    .reduce(0L, Long::sum)
                    .doOnNext(this::countAcked)
                    .then();
        }

        private void countAcked(long count) {
            if (acked.addAndGet(count) >= target) {
                Thread w = waiter;
                if (w != null) {
                    LockSupport.unpark(w);
                }
            }
        }

        long handled() {
            return handled.get();
        }

        long acked() {
            return acked.get();
        }

        /** Park the calling thread until {@code count} entries were acknowledged; fail after the invocation bound. */
        void awaitAcked(long count) {
            if (acked.get() >= count) {
                return;
            }
            target = count;
            waiter = Thread.currentThread();
            long deadline = System.nanoTime() + INVOCATION_TIMEOUT.toNanos();
            try {
                while (acked.get() < count) {
                    if (stopped.isDone()) {
                        throw new IllegalStateException("the consumer loop ended early", failure());
                    }
                    if (System.nanoTime() - deadline > 0) {
                        throw new IllegalStateException("only " + acked.get() + " of " + count
                                + " entries acknowledged within " + INVOCATION_TIMEOUT + " (lost entries?)");
                    }
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
                }
            } finally {
                waiter = null;
                target = Long.MAX_VALUE;
            }
        }

        /** Stop after the read in flight (at most {@link #BLOCK} away); fail if the loop had failed. */
        void stop() {
            running = false;
            try {
                stopped.get(INVOCATION_TIMEOUT.toNanos(), TimeUnit.NANOSECONDS);
            } catch (ExecutionException e) {
                throw new IllegalStateException("the consumer loop failed", e.getCause());
            } catch (TimeoutException e) {
                Disposable l = loop;
                if (l != null) {
                    l.dispose();
                }
                throw new IllegalStateException("the consumer loop did not stop within " + INVOCATION_TIMEOUT, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while stopping the consumer loop", e);
            }
        }

        private @Nullable Throwable failure() {
            try {
                stopped.getNow(null);
                return null;
            } catch (RuntimeException e) {
                return e.getCause() == null ? e : e.getCause();
            }
        }

        @Override
        public String toString() {
            return "RawConsumer[handled " + handled.get() + ", acked " + acked.get() + ", payload bytes " + payloadBytes
                    + "]";
        }
    }

    /** The entry of one event, field for field as the issue lays it out. */
    static Map<String, String> entry(String id, String key, String payloadJson) {
        Map<String, String> body = new LinkedHashMap<>(16);
        body.put("id", id);
        body.put("type", TYPE);
        body.put("key", key);
        body.put("headers", HEADERS);
        body.put("payload", payloadJson);
        body.put("published_at", Instant.now().toString());
        body.put("format", FORMAT);
        return body;
    }
}
