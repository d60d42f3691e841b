package dev.sluice.benchmarks;

import dev.sluice.bus.Durability;
import dev.sluice.bus.EventBus;
import dev.sluice.bus.EventType;
import dev.sluice.bus.PublishReceipt;
import dev.sluice.bus.StartPosition;
import dev.sluice.bus.SubscriberHandle;
import dev.sluice.bus.SubscriberSpec;
import dev.sluice.bus.redis.RedisStreamTransport;
import dev.sluice.policy.ResiliencePolicy;
import dev.sluice.policy.RetrySettings;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.resource.ClientResources;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscription;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * The two figures of issue 13 that JMH cannot give, on an embedded Redis 6.2 started here (see {@link BenchRedis}):
 *
 * <ul>
 *   <li><b>latency</b>: publish → handled of a durable type at a fixed rate (default 10,000 events/s; target p99 ≤ 10
 *       ms), one subscriber with the full chain of {@code BusBenchmark} and a synchronous handler, 16 partitions. An
 *       open loop paced like {@link LatencyHarness}: each latency is measured from the event's <em>intended</em> send
 *       time (carried in its payload), so a publisher that falls behind does not hide the wait (coordinated omission,
 *       after HdrHistogram and wrk2);
 *   <li><b>backlog</b> ({@code --backlog N}, default 1,000,000; target heap growth after GC &lt; 64 MB): N entries
 *       appended through the bus while its subscriber's handler holds every event it gets (its inbox fills, then
 *       reading stops), heap after GC measured before and after: the backlog stays in Redis, not in memory.
 * </ul>
 *
 * <p>Run: {@code java -cp benchmarks/target/benchmarks.jar dev.sluice.benchmarks.DurableLatencyHarness} ({@code
 * --help}); exit 1 if an event is not accounted for or a target is missed. Not part of the CI smoke.
 */
@Command(
        name = "durable-latency",
        mixinStandardHelpOptions = true,
        description = "Durable bus: publish→handled latency at a fixed rate, and heap growth under a Redis backlog.")
public final class DurableLatencyHarness implements Callable<Integer> {

    static final int PARTITIONS = 16;
    static final long P99_TARGET_MICROS = 10_000;
    static final long HEAP_TARGET_BYTES = 64L << 20;

    /** The latency payload: a key and the event's intended send time on this JVM's {@link System#nanoTime()}. */
    public record Timed(String key, long intendedNanos, String note) {}

    static final EventType<Timed> TIMED =
            EventType.of("bench.timed", Timed.class).withKey(Timed::key).durable(new Durability(PARTITIONS, 1));

    @Option(names = "--rate", defaultValue = "10000", description = "Events/s (default: ${DEFAULT-VALUE}).")
    int rate = 10_000;

    @Option(names = "--seconds", defaultValue = "10", description = "Measured seconds (default: ${DEFAULT-VALUE}).")
    double seconds = 10;

    @Option(names = "--warmup", defaultValue = "5", description = "Warm-up seconds (default: ${DEFAULT-VALUE}).")
    double warmup = 5;

    @Option(
            names = "--backlog",
            defaultValue = "1000000",
            description = "Entries of the backlog check; 0 skips it (default: ${DEFAULT-VALUE}).")
    long backlog = 1_000_000;

    public static void main(String[] args) {
        System.exit(new CommandLine(new DurableLatencyHarness()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        boolean ok = true;
        try (BenchRedis redis = BenchRedis.start("durable-latency")) {
            ClientResources resources = ClientResources.create();
            try {
                ok &= latency(redis, resources);
                if (backlog > 0) {
                    ok &= backlog(redis, resources);
                }
            } finally {
                resources.shutdown(0, 2, TimeUnit.SECONDS);
            }
        }
        return ok ? 0 : 1;
    }

    private static ResiliencePolicy policy() {
        return ResiliencePolicy.builder("bench")
                .timeout(Duration.ofSeconds(1))
                .circuitBreaker(CircuitBreakerConfig.ofDefaults())
                .retry(RetrySettings.builder()
                        .maxAttempts(3)
                        .minBackoff(Duration.ofMillis(10))
                        .build())
                .build();
    }

    private static RedisStreamTransport transport(BenchRedis redis, ClientResources resources, String prefix) {
        return RedisStreamTransport.builder(resources, redis.uri())
                .keyPrefix(prefix)
                .commandTimeout(Duration.ofSeconds(10))
                .publishTimeout(Duration.ofSeconds(30))
                .build();
    }

    private boolean latency(BenchRedis redis, ClientResources resources) {
        Histogram histogram = new ConcurrentHistogram(TimeUnit.SECONDS.toMicros(60), 3);
        AtomicLong handled = new AtomicLong();
        AtomicLong measureFrom = new AtomicLong(Long.MAX_VALUE);
        RedisStreamTransport transport = transport(redis, resources, "latency");
        EventBus bus = EventBus.builder().transport(transport).build();
        bus.register(TIMED);
        bus.ready().block(Duration.ofSeconds(60));
        SubscriberHandle subscriber = bus.subscribe(SubscriberSpec.<Timed>builder("bench", TIMED, event -> {
                    long intended = event.payload().intendedNanos();
                    if (intended >= measureFrom.get()) {
                        histogram.recordValue(Math.max(0, (System.nanoTime() - intended) / 1_000));
                    }
                    handled.incrementAndGet();
                    return Mono.empty();
                })
                .policy(policy())
                .fallback((event, failure) -> Mono.empty())
                .startFrom(StartPosition.OLDEST)
                .build());
        Receipts receipts = new Receipts();
        String note = "n".repeat(150);
        long interval = 1_000_000_000L / rate;
        long warmupEvents = (long) (warmup * rate);
        long events = warmupEvents + Math.max(1, (long) (seconds * rate));
        long start = System.nanoTime() + 100_000_000;
        measureFrom.set(start + warmupEvents * interval);
        long worstLag = 0;
        for (long i = 0; i < events; i++) {
            long intended = start + i * interval;
            long now = System.nanoTime();
            while (now < intended) {
                if (intended - now > 50_000) {
                    LockSupport.parkNanos(intended - now - 20_000);
                } else {
                    Thread.onSpinWait();
                }
                now = System.nanoTime();
            }
            worstLag = Math.max(worstLag, now - intended);
            bus.publish(TIMED, new Timed("key-" + (i % 1024), intended, note)).subscribe(receipts);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while ((handled.get() < events || subscriber.stats().inFlight() != 0) && System.nanoTime() < deadline) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
        }
        bus.close(Duration.ofSeconds(10)).then(transport.close()).block(Duration.ofSeconds(60));
        boolean complete = handled.get() == events && receipts.ok.get() == events && receipts.failed.get() == 0;
        long p99 = histogram.getValueAtPercentile(99);
        System.out.printf(
                Locale.ROOT,
                "latency  rate %d/s, %d events (%d measured): p50 %d µs, p99 %d µs, p99.9 %d µs, max %d µs;"
                        + " worst publish lag %d µs; handled %d, receipts %d, failed %d; %s; p99 ≤ %d µs: %s%n",
                rate,
                events,
                histogram.getTotalCount(),
                histogram.getValueAtPercentile(50),
                p99,
                histogram.getValueAtPercentile(99.9),
                histogram.getMaxValue(),
                worstLag / 1_000,
                handled.get(),
                receipts.ok.get(),
                receipts.failed.get(),
                complete ? "every event accounted for" : "EVENTS MISSING",
                P99_TARGET_MICROS,
                p99 <= P99_TARGET_MICROS ? "yes" : "no");
        return complete && p99 <= P99_TARGET_MICROS;
    }

    private boolean backlog(BenchRedis redis, ClientResources resources) {
        Sinks.Empty<Void> release = Sinks.empty();
        RedisStreamTransport transport = transport(redis, resources, "backlog");
        EventBus bus = EventBus.builder().transport(transport).build();
        bus.register(TIMED);
        bus.ready().block(Duration.ofSeconds(60));
        SubscriberHandle subscriber =
                bus.subscribe(SubscriberSpec.<Timed>builder("bench", TIMED, event -> hold(release))
                        .policy(ResiliencePolicy.builder("held")
                                .timeout(Duration.ofMinutes(30))
                                .build())
                        .startFrom(StartPosition.OLDEST)
                        .build());
        String note = "n".repeat(150);
        // a first batch fills the inbox, so "before" already holds what the subscriber keeps in memory
        publish(bus, 10_000, note);
        long before = heapAfterGc();
        publish(bus, backlog, note);
        long after = heapAfterGc();
        long stored;
        RedisClient client = RedisClient.create(resources, redis.uri());
        try (StatefulRedisConnection<String, String> raw = client.connect()) {
            stored = 0;
            for (int p = 0; p < PARTITIONS; p++) {
                stored += raw.sync().xlen("backlog:ev:{" + TIMED.name() + ":" + p + "}");
            }
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
        long read = subscriber.stats().offered();
        release.tryEmitEmpty();
        bus.close(Duration.ofSeconds(30)).then(transport.close()).block(Duration.ofMinutes(2));
        long growth = after - before;
        boolean ok = stored == backlog + 10_000 && growth < HEAP_TARGET_BYTES;
        System.out.printf(
                Locale.ROOT,
                "backlog  %d entries in Redis (%d expected), %d read by the held subscriber; heap after GC %.1f MB"
                        + " before, %.1f MB after: growth %.1f MB; < %d MB: %s%n",
                stored,
                backlog + 10_000,
                read,
                before / 1048576.0,
                after / 1048576.0,
                growth / 1048576.0,
                HEAP_TARGET_BYTES >> 20,
                growth < HEAP_TARGET_BYTES ? "yes" : "no");
        return ok;
    }

    private static Publisher<?> hold(Sinks.Empty<Void> release) {
        return release.asMono();
    }

    private static void publish(EventBus bus, long count, String note) {
        Flux.range(0, (int) count)
                .flatMap(i -> bus.publish(TIMED, new Timed("key-" + (i % 1024), 0, note)), 256)
                .then()
                .block(Duration.ofMinutes(30));
    }

    private static long heapAfterGc() {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            System.gc();
            used = Math.min(used, memory.getHeapMemoryUsage().getUsed());
        }
        return used;
    }

    /** Counts receipts; reused for every publish. */
    static final class Receipts implements CoreSubscriber<PublishReceipt> {
        final AtomicLong ok = new AtomicLong();
        final AtomicLong failed = new AtomicLong();

        @Override
        public void onSubscribe(Subscription s) {
            s.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(PublishReceipt receipt) {
            ok.incrementAndGet();
        }

        @Override
        public void onError(Throwable error) {
            failed.incrementAndGet();
        }

        @Override
        public void onComplete() {}
    }
}
