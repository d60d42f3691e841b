package dev.sluice.benchmarks;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.bus.DeadLetter;
import dev.sluice.bus.DeadLetterReason;
import dev.sluice.bus.redis.RedisDeadLetterStore;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.reactive.RedisReactiveCommands;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
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
import reactor.core.publisher.Flux;
import redis.embedded.RedisServer;

/**
 * Dead letters per second acknowledged by Redis: the {@link RedisDeadLetterStore}'s {@code write} beside its
 * undecorated baseline, Lettuce's reactive {@code XADD} of the same entries (issue 5, "Performance").
 *
 * <p>One invocation writes {@value #BATCH} letters with {@value #IN_FLIGHT} in flight ({@code flatMap} concurrency) on
 * one connection with auto-flush, and returns when Redis acknowledged every one, so a score is letters per second
 * ({@link OperationsPerInvocation}). The letter is the same in both: every docs/DESIGN.md field, a 200-byte JSON
 * payload and a 1 KB stack trace; only {@code letter_id} and {@code event_id} change per letter. The baseline sends the
 * payload as ready-made JSON; the store serializes it with Jackson per letter, runs its idempotent write script
 * ({@code HEXISTS} + {@code XADD} + {@code HSET}) and keeps its journal fallback ready. An embedded Redis 6.2
 * (codemonstur embedded-redis, persistence off) is started per trial on a free loopback port.
 *
 * <p>After every iteration the teardown checks that every letter written is in Redis (the stream length equals the
 * letters written, and for the store nothing is pending or journaled: a letter journaled because Redis was slower than
 * the store's command timeout fails the run rather than being counted as written), then deletes the stream.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
// longer than the other suites: the store's path (Jackson, Reactor operators, Lettuce scripting) needs more JIT
@Warmup(iterations = 6, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(3)
public class DeadLetterBenchmark {

    static final int BATCH = 2_048;
    static final int IN_FLIGHT = 256;
    static final String SUBSCRIBER = "bench";

    /** The payload type: about 200 bytes of JSON. */
    public record Order(String orderId, String customer, int quantity, String note) {}

    static final Order PAYLOAD = new Order("order-000000000042", "customer-0000000000007", 3, "n".repeat(117));
    static final String STACK_TRACE = stackTrace();
    static final Instant PUBLISHED = Instant.parse("2026-01-01T00:00:00Z");

    /** One Redis per trial, a raw Lettuce connection and a store, both on their own client. */
    @State(Scope.Benchmark)
    public static class Redis {
        RedisServer server;
        Path dir;
        RedisClient rawClient;
        StatefulRedisConnection<String, String> raw;
        RedisDeadLetterStore store;
        long written;
        long next;
        String payloadJson;
        String writeScriptSha;

        @Setup(Level.Trial)
        public void start() throws IOException {
            dir = Files.createTempDirectory("sluice-dead-letter-benchmark");
            int port = freePort();
            server = RedisServer.newRedisServer()
                    .bind("127.0.0.1")
                    .port(port)
                    .setting("save \"\"")
                    .setting("appendonly no")
                    .setting("dir " + dir)
                    .build();
            server.start();
            RedisURI uri = RedisURI.create("redis://127.0.0.1:" + port);
            rawClient = RedisClient.create(uri);
            raw = rawClient.connect();
            store = RedisDeadLetterStore.builder(uri)
                    .keyPrefix("store")
                    .journalPath(dir.resolve("dead-letters.journal"))
                    // a shared 2-core machine stalls now and then; a journaled letter would fail the check below
                    .commandTimeout(Duration.ofSeconds(10))
                    .build();
            payloadJson = new ObjectMapper().writeValueAsString(PAYLOAD);
            if (payloadJson.length() < 190 || payloadJson.length() > 210) {
                throw new IllegalStateException("payload should be ~200 bytes of JSON, is " + payloadJson.length());
            }
            // the store's first write loads its script into this fresh Redis (EVALSHA, then EVAL): the diagnostic's
            // copy must be that very script, or its figures say nothing about the store
            store.write(letter("probe")).block(Duration.ofSeconds(30));
            String source = writeScriptSource();
            if (!raw.sync().scriptExists(raw.sync().digest(source)).get(0)) {
                throw new IllegalStateException(
                        "the write script read from the resources is not the one the store ran");
            }
            store.purge(SUBSCRIBER).block(Duration.ofSeconds(30));
            writeScriptSha = raw.sync().scriptLoad(source);
        }

        @TearDown(Level.Iteration)
        public void checkNothingLost() {
            long raws = raw.sync().xlen(RAW_STREAM);
            long stored = raw.sync().xlen("store:dlq:{" + SUBSCRIBER + "}");
            long scripted = raw.sync().xlen(SCRIPT_KEYS[0]);
            if (raws + stored + scripted != written) {
                throw new IllegalStateException("lost letters: wrote " + written + ", Redis holds " + raws + " raw + "
                        + stored + " stored + " + scripted + " scripted");
            }
            if (store.pending() != 0 || store.journaled() != 0) {
                throw new IllegalStateException("the store has " + store.pending() + " letters pending, "
                        + store.journaled() + " journaled: Redis did not acknowledge them in time");
            }
            raw.sync().del(RAW_STREAM);
            raw.sync().del(SCRIPT_KEYS);
            Long purged = store.purge(SUBSCRIBER).block(Duration.ofSeconds(30));
            if (purged == null || purged != stored) {
                throw new IllegalStateException("purged " + purged + " letters, expected " + stored);
            }
            written = 0;
        }

        @TearDown(Level.Trial)
        public void stop() throws IOException {
            store.close();
            raw.close();
            rawClient.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            server.stop();
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder())
                        .forEach(file -> file.toFile().delete());
            }
        }
    }

    static final String RAW_STREAM = "raw:dlq:{" + SUBSCRIBER + "}";

    /** Baseline: Lettuce reactive XADD of the same entry, {@value #IN_FLIGHT} in flight, auto-flush. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void rawLettucePipelinedXadd(Redis redis) {
        RedisReactiveCommands<String, String> commands = redis.raw.reactive();
        long first = redis.next;
        redis.next += BATCH;
        Flux.range(0, BATCH)
                .flatMap(i -> commands.xadd(RAW_STREAM, entry(redis.payloadJson, "L" + (first + i))), IN_FLIGHT)
                .blockLast(Duration.ofSeconds(60));
        redis.written += BATCH;
    }

    static final String[] SCRIPT_KEYS = {
        "script:dlq:{" + SUBSCRIBER + "}",
        "script:dlq:{" + SUBSCRIBER + "}:ids",
        "script:dlq:{" + SUBSCRIBER + "}:due",
        "script:dlq:{" + SUBSCRIBER + "}:leases"
    };

    /**
     * Diagnostic, not part of the target: the store's own write script run with Lettuce's reactive {@code EVALSHA},
     * its arguments built like the baseline's entry (payload already JSON), {@value #IN_FLIGHT} in flight. Its gap to
     * {@link #rawLettucePipelinedXadd} is what the script costs (Redis running Lua, one reply more to decode); its gap
     * to {@link #sluiceStore} is the store's own Java work (Jackson, timestamps, Reactor, bookkeeping).
     */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void writeScriptOnly(Redis redis) {
        RedisReactiveCommands<String, String> commands = redis.raw.reactive();
        long first = redis.next;
        redis.next += BATCH;
        Flux.range(0, BATCH)
                .flatMap(
                        i -> commands.<Long>evalsha(
                                        redis.writeScriptSha,
                                        ScriptOutputType.INTEGER,
                                        SCRIPT_KEYS,
                                        scriptArgs(redis.payloadJson, "L" + (first + i)))
                                .next(),
                        IN_FLIGHT)
                .blockLast(Duration.ofSeconds(60));
        redis.written += BATCH;
    }

    /** The store's {@code write} of the same letter, {@value #IN_FLIGHT} in flight. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void sluiceStore(Redis redis) {
        long first = redis.next;
        redis.next += BATCH;
        Flux.range(0, BATCH)
                .flatMap(i -> redis.store.write(letter("L" + (first + i))), IN_FLIGHT)
                .blockLast(Duration.ofSeconds(60));
        redis.written += BATCH;
    }

    static DeadLetter letter(String letterId) {
        return new DeadLetter(
                letterId,
                "event-" + letterId,
                "order.placed",
                "order-000000000042",
                SUBSCRIBER,
                PAYLOAD,
                Map.of("trace-id", "4bf92f3577b34da6a3ce929d0e0e4736", "tenant", "acme"),
                PUBLISHED,
                PUBLISHED.plusSeconds(1),
                PUBLISHED.plusSeconds(2),
                DeadLetterReason.RETRIES_EXHAUSTED,
                "java.io.IOException",
                "connection reset by peer",
                "java.net.SocketException",
                STACK_TRACE,
                3,
                0,
                "instance-a");
    }

    /** The entry the store writes for {@link #letter}, field for field, with the payload already JSON. */
    static Map<String, String> entry(String payloadJson, String letterId) {
        Map<String, String> body = new LinkedHashMap<>(32);
        body.put("format", "1");
        body.put("letter_id", letterId);
        body.put("event_id", "event-" + letterId);
        body.put("event_type", "order.placed");
        body.put("event_key", "order-000000000042");
        body.put("subscriber", SUBSCRIBER);
        body.put("payload", payloadJson);
        body.put("headers", "{\"trace-id\":\"4bf92f3577b34da6a3ce929d0e0e4736\",\"tenant\":\"acme\"}");
        body.put("published_at", "2026-01-01T00:00:00Z");
        body.put("dead_lettered_at", "2026-01-01T00:00:01Z");
        body.put("last_failed_at", "2026-01-01T00:00:02Z");
        body.put("reason", "RETRIES_EXHAUSTED");
        body.put("error_class", "java.io.IOException");
        body.put("error_message", "connection reset by peer");
        body.put("cause_class", "java.net.SocketException");
        body.put("stack_trace", STACK_TRACE);
        body.put("attempts", "3");
        body.put("redrive_count", "0");
        body.put("instance", "instance-a");
        return body;
    }

    /** The write script's arguments for {@link #entry}: letter id, no due time, no MAXLEN, then the fields. */
    static String[] scriptArgs(String payloadJson, String letterId) {
        Map<String, String> body = entry(payloadJson, letterId);
        String[] args = new String[3 + body.size() * 2];
        args[0] = letterId;
        args[1] = "";
        args[2] = "0";
        int i = 3;
        for (Map.Entry<String, String> field : body.entrySet()) {
            args[i++] = field.getKey();
            args[i++] = field.getValue();
        }
        return args;
    }

    /**
     * The store's write script as it sends it: its Lua resources, the {@code trim} library first (see {@code
     * dev/sluice/bus/redis/trim.lua} and {@code write.lua} in reactive-bus-redis).
     */
    private static String writeScriptSource() {
        return resource("dev/sluice/bus/redis/trim.lua") + resource("dev/sluice/bus/redis/write.lua");
    }

    private static String resource(String name) {
        try (InputStream in = RedisDeadLetterStore.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("no resource " + name + " on the class path");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String stackTrace() {
        StringBuilder trace = new StringBuilder("java.io.IOException: connection reset by peer\n");
        int frame = 0;
        while (trace.length() < 1_000) {
            trace.append("\tat dev.example.orders.BillingHandler.step")
                    .append(frame++)
                    .append("(BillingHandler.java:")
                    .append(40 + frame)
                    .append(")\n");
        }
        return trace.toString();
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
