package dev.sluice.benchmarks;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.bus.Durability;
import dev.sluice.bus.Event;
import dev.sluice.bus.EventBus;
import dev.sluice.bus.EventType;
import dev.sluice.bus.StartPosition;
import dev.sluice.bus.SubscriberHandle;
import dev.sluice.bus.SubscriberSpec;
import dev.sluice.bus.SubscriberStats;
import dev.sluice.bus.redis.RedisStreamTransport;
import dev.sluice.bus.redis.StreamAudit;
import dev.sluice.policy.ResiliencePolicy;
import dev.sluice.policy.RetrySettings;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.SlidingWindowSynchronizationStrategy;
import io.lettuce.core.Consumer;
import io.lettuce.core.RedisClient;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XGroupCreateArgs;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.XReadArgs.StreamOffset;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.reactive.RedisReactiveCommands;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.resource.ClientResources;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
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
import org.reactivestreams.Publisher;
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
    static final EventType<DeadLetterBenchmark.Order> ORDER = EventType.of(TYPE, DeadLetterBenchmark.Order.class)
            .withKey(DeadLetterBenchmark.Order::orderId)
            .durable(new Durability(PARTITIONS, 1));
    static final String[] KEY_NAMES = new String[KEYS];
    /** One payload per key, its {@code orderId} the key, each as long as {@link DeadLetterBenchmark#PAYLOAD}. */
    static final DeadLetterBenchmark.Order[] PAYLOADS = new DeadLetterBenchmark.Order[KEYS];

    static {
        DeadLetterBenchmark.Order template = DeadLetterBenchmark.PAYLOAD;
        for (int i = 0; i < KEYS; i++) {
            KEY_NAMES[i] = String.format(Locale.ROOT, "order-%012d", i);
            PAYLOADS[i] = new DeadLetterBenchmark.Order(
                    KEY_NAMES[i], template.customer(), template.quantity(), template.note());
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

    /**
     * The durable bus's publish: {@code EventBus.publish} of a durable type through {@code RedisStreamTransport}, the
     * same payloads and keys, {@value #IN_FLIGHT} in flight: validation, the event's id and time, Jackson for payload
     * and headers, murmur3 partitioning, a plain {@code XADD}; scored when every receipt arrived.
     */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void sluiceDurablePublish(SluicePublish state) {
        state.durable.publishBatch();
    }

    /**
     * The durable bus end to end: the same publishing while one subscriber with the full chain of {@code BusBenchmark}
     * (timeout, breaker, retry) and a fallback handles each event with a synchronous handler; scored when every event
     * was handled and acknowledged (nothing in flight: the fenced, batched acks done).
     */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void sluiceDurableBus(SluiceLoop state) {
        long target = state.durable.written + BATCH;
        state.durable.publishBatch();
        state.awaitAcked(target);
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
        final String[] payloadJson = new String[KEYS];
        long written;
        long nextId;

        RawStreams() throws IOException {
            redis = BenchRedis.start("stream-benchmark");
            client = RedisClient.create(redis.uri());
            connection = client.connect();
            ObjectMapper json = new ObjectMapper();
            for (int i = 0; i < KEYS; i++) {
                payloadJson[i] = json.writeValueAsString(PAYLOADS[i]);
            }
            if (payloadJson[0].length() < 190 || payloadJson[0].length() > 210) {
                throw new IllegalStateException("payload should be ~200 bytes of JSON, is " + payloadJson[0].length());
            }
        }

        void publishBatch() {
            RedisReactiveCommands<String, String> commands = connection.reactive();
            long first = nextId;
            nextId += BATCH;
            Flux.range(0, BATCH)
                    .flatMap(
                            i -> {
                                int k = (int) ((first + i) % KEYS);
                                String key = KEY_NAMES[k];
                                String stream = streams[Math.floorMod(key.hashCode(), PARTITIONS)];
                                return commands.xadd(stream, entry("evt-" + (first + i), key, payloadJson[k]));
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

    /** A transport and a bus over it, on a Redis of the trial: what both Sluice methods share. Not a JMH state. */
    static final class DurableBus {
        final BenchRedis redis;
        final ClientResources resources;
        final RedisClient client;
        final StatefulRedisConnection<String, String> raw;

        @Nullable
        RedisStreamTransport transport;

        @Nullable
        EventBus bus;

        String prefix = "sluice";
        long written;
        private int generation;

        DurableBus() throws IOException {
            redis = BenchRedis.start("stream-benchmark-sluice");
            resources = ClientResources.create();
            client = RedisClient.create(resources, redis.uri());
            raw = client.connect();
        }

        /** Open a new transport and bus under a new key prefix. */
        EventBus open() {
            prefix = "sluice" + (++generation);
            RedisStreamTransport t = RedisStreamTransport.builder(resources, redis.uri())
                    .keyPrefix(prefix)
                    // a shared 2-core machine stalls now and then: no benchmark should fail on a 1 s command timeout
                    .commandTimeout(Duration.ofSeconds(10))
                    .publishTimeout(Duration.ofSeconds(30))
                    .build();
            EventBus b = EventBus.builder().transport(t).build();
            b.register(ORDER);
            b.ready().block(INVOCATION_TIMEOUT);
            transport = t;
            bus = b;
            return b;
        }

        void publishBatch() {
            EventBus b = bus();
            Long receipts = Flux.range(0, BATCH)
                    .flatMap(i -> b.publish(ORDER, PAYLOADS[(int) ((written + i) % KEYS)]), IN_FLIGHT)
                    .count()
                    .block(INVOCATION_TIMEOUT);
            if (receipts == null || receipts != BATCH) {
                throw new IllegalStateException(receipts + " receipts for " + BATCH + " publishes");
            }
            written += BATCH;
        }

        EventBus bus() {
            EventBus b = bus;
            if (b == null) {
                throw new IllegalStateException("no bus open");
            }
            return b;
        }

        RedisStreamTransport transport() {
            RedisStreamTransport t = transport;
            if (t == null) {
                throw new IllegalStateException("no transport open");
            }
            return t;
        }

        String stream(int p) {
            return prefix + ":ev:{" + TYPE + ":" + p + "}";
        }

        /** Fail unless the streams hold every entry written. */
        void checkStored() {
            long stored = 0;
            for (int p = 0; p < PARTITIONS; p++) {
                stored += raw.sync().xlen(stream(p));
            }
            if (stored != written) {
                throw new IllegalStateException("lost entries: wrote " + written + ", the streams hold " + stored);
            }
        }

        /** Close the bus and the transport, then delete every key. */
        void closeAndReset() {
            EventBus b = bus;
            RedisStreamTransport t = transport;
            if (b != null && t != null) {
                b.close(Duration.ofSeconds(10)).then(t.close()).block(INVOCATION_TIMEOUT);
            }
            bus = null;
            transport = null;
            raw.sync().flushall();
            written = 0;
        }

        void close() throws IOException {
            closeAndReset();
            raw.close();
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            resources.shutdown(0, 2, TimeUnit.SECONDS);
            redis.close();
        }
    }

    /** The durable publish's state: one bus per trial, the streams deleted after every iteration. */
    @State(Scope.Benchmark)
    public static class SluicePublish {
        DurableBus durable;

        @Setup(Level.Trial)
        public void start() throws IOException {
            durable = new DurableBus();
            durable.open();
        }

        @TearDown(Level.Iteration)
        public void checkAndReset() {
            durable.checkStored();
            for (int p = 0; p < PARTITIONS; p++) {
                durable.raw.sync().del(durable.stream(p));
            }
            durable.written = 0;
        }

        @TearDown(Level.Trial)
        public void stop() throws IOException {
            durable.close();
        }
    }

    /**
     * The durable bus's state: a new transport, bus and subscriber every iteration (under a new key prefix, every key
     * deleted after it), which owns all 16 partitions before the iteration starts. Its inbox is 2,048, so a read asks
     * for {@code COUNT 128} per stream, as the raw loop does.
     */
    @State(Scope.Benchmark)
    public static class SluiceLoop {
        final AtomicLong handled = new AtomicLong();
        final AtomicLong recovered = new AtomicLong();
        DurableBus durable;

        @Nullable
        SubscriberHandle subscriber;

        private volatile long target = Long.MAX_VALUE;
        private volatile @Nullable Thread waiter;

        @Setup(Level.Trial)
        public void start() throws IOException {
            durable = new DurableBus();
        }

        @Setup(Level.Iteration)
        public void openAndSubscribe() {
            handled.set(0);
            recovered.set(0);
            EventBus bus = durable.open();
            ResiliencePolicy policy = ResiliencePolicy.builder("bench")
                    .timeout(Duration.ofSeconds(1))
                    .circuitBreaker(CircuitBreakerConfig.custom()
                            .slidingWindowSynchronizationStrategy(SlidingWindowSynchronizationStrategy.LOCK_FREE)
                            .build())
                    .retry(RetrySettings.builder()
                            .maxAttempts(3)
                            .minBackoff(Duration.ofMillis(10))
                            .build())
                    .build();
            subscriber = bus.subscribe(SubscriberSpec.builder(GROUP, ORDER, this::handle)
                    .policy(policy)
                    .fallback((event, failure) -> {
                        recovered.incrementAndGet();
                        return Mono.empty();
                    })
                    .inboxSize(READ_COUNT * PARTITIONS)
                    .startFrom(StartPosition.OLDEST)
                    .build());
            awaitOwned();
        }

        private Publisher<?> handle(Event<DeadLetterBenchmark.Order> event) {
            if (handled.incrementAndGet() >= target) {
                Thread w = waiter;
                if (w != null) {
                    LockSupport.unpark(w);
                }
            }
            return Mono.empty();
        }

        /** Wait until the subscriber holds the lease of every partition (so no invocation waits for its claims). */
        private void awaitOwned() {
            long deadline = System.nanoTime() + INVOCATION_TIMEOUT.toNanos();
            while (true) {
                int owned = 0;
                for (int p = 0; p < PARTITIONS; p++) {
                    if (durable.raw.sync().exists(durable.stream(p) + ":lease:" + GROUP) == 1) {
                        owned++;
                    }
                }
                if (owned == PARTITIONS) {
                    return;
                }
                if (System.nanoTime() - deadline > 0) {
                    throw new IllegalStateException("the subscriber owns " + owned + " of " + PARTITIONS
                            + " partitions after " + INVOCATION_TIMEOUT);
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
            }
        }

        /** Park until {@code count} events were handled, then until nothing is in flight (acks included). */
        void awaitAcked(long count) {
            long deadline = System.nanoTime() + INVOCATION_TIMEOUT.toNanos();
            target = count;
            waiter = Thread.currentThread();
            try {
                while (handled.get() < count) {
                    checkDeadline(deadline, count);
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
                }
            } finally {
                waiter = null;
                target = Long.MAX_VALUE;
            }
            SubscriberHandle s = handle();
            while (s.stats().inFlight() != 0) {
                checkDeadline(deadline, count);
                LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(50));
            }
        }

        private void checkDeadline(long deadline, long count) {
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("of " + count + " events, " + handled.get() + " handled, stats "
                        + handle().stats() + " after " + INVOCATION_TIMEOUT + " (lost events?)");
            }
        }

        private SubscriberHandle handle() {
            SubscriberHandle s = subscriber;
            if (s == null) {
                throw new IllegalStateException("no subscriber");
            }
            return s;
        }

        @TearDown(Level.Iteration)
        public void checkAndReset() {
            long written = durable.written;
            awaitAcked(written);
            durable.checkStored();
            StreamAudit audit = durable.transport().audit(ORDER).block(INVOCATION_TIMEOUT);
            StreamAudit.Group group = audit == null ? null : audit.groups().get(GROUP);
            if (group == null || group.acked() != written || group.pending() != 0 || group.undelivered() != 0) {
                throw new IllegalStateException("wrote " + written + " entries; audit " + audit);
            }
            SubscriberStats stats = handle().stats();
            if (stats.delivered() != written || recovered.get() != 0 || !stats.balanced()) {
                throw new IllegalStateException("wrote " + written + " entries; " + recovered.get()
                        + " recovered by the fallback; stats " + stats);
            }
            subscriber = null;
            durable.closeAndReset();
        }

        @TearDown(Level.Trial)
        public void stop() throws IOException {
            durable.close();
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
