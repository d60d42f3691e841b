package dev.sluice.bus.redis.durable;

import dev.sluice.bus.Durability;
import dev.sluice.bus.Event;
import dev.sluice.bus.EventBus;
import dev.sluice.bus.EventType;
import dev.sluice.bus.StartPosition;
import dev.sluice.bus.SubscriberSpec;
import dev.sluice.bus.redis.RedisStreamTransport;
import dev.sluice.policy.ResiliencePolicy;
import dev.sluice.policy.RetrySettings;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.reactive.RedisReactiveCommands;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import reactor.core.publisher.Mono;

/**
 * One instance of the multi-instance tests, in this JVM or in a child ({@link DurableChild}): a bus on a {@link
 * RedisStreamTransport} whose one durable subscriber ({@value #SUBSCRIBER}) records every handler call in a Redis list
 * as {@link OrderChecker} lines, so the handlings of an instance killed with {@code kill -9} survive it. A start line is
 * pushed before the handler's work, the end line after it and before the handler completes (so before the ack); an
 * attempt that fails has a start line and no end line, which {@link OrderChecker} reads as a handling that never ended.
 *
 * <p>Leases are the transport's real ones, 4 s renewed every 500 ms; their expiry is driven only by stopping the
 * instance's heartbeats (a kill, a SIGSTOP), never by a short TTL. Retention is off (1 h), so the test can read every
 * entry at the end.
 */
final class DurableNode implements AutoCloseable {

    /** The subscriber every node runs. */
    static final String SUBSCRIBER = "worker";

    static final Duration HEARTBEAT = Duration.ofMillis(500);

    /** The payload: the {@code seq}-th event of {@code key}, from 0. */
    record Step(String key, long seq) {}

    /**
     * How a node handles: each call takes {@code handlerMillis}; the first attempt of every event whose seq is a
     * multiple of {@code failFirstEvery} (0: none) fails at once, so retries run; {@code concurrency} events at once.
     * The policy: {@code attempts} attempts of at most {@code timeout}, 200 ms apart, under a deadline of {@code
     * worstCase}: what a new owner waits on top of the old lease. Leases last {@code leaseTtl}, renewed every {@link
     * #HEARTBEAT}.
     */
    record Options(
            long handlerMillis,
            int failFirstEvery,
            int concurrency,
            int attempts,
            Duration timeout,
            Duration worstCase,
            Duration leaseTtl) {

        /** How many arguments {@link #args()} makes. */
        static final int ARGS = 7;

        String[] args() {
            return new String[] {
                Long.toString(handlerMillis),
                Integer.toString(failFirstEvery),
                Integer.toString(concurrency),
                Integer.toString(attempts),
                Long.toString(timeout.toMillis()),
                Long.toString(worstCase.toMillis()),
                Long.toString(leaseTtl.toMillis())
            };
        }

        static Options parse(String[] args, int from) {
            return new Options(
                    Long.parseLong(args[from]),
                    Integer.parseInt(args[from + 1]),
                    Integer.parseInt(args[from + 2]),
                    Integer.parseInt(args[from + 3]),
                    Duration.ofMillis(Long.parseLong(args[from + 4])),
                    Duration.ofMillis(Long.parseLong(args[from + 5])),
                    Duration.ofMillis(Long.parseLong(args[from + 6])));
        }
    }

    private final String instance;
    private final String handlings;
    private final RedisClient client;
    private final StatefulRedisConnection<String, String> recorder;
    private final RedisStreamTransport transport;
    private final EventBus bus;
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final EventType<Step> type;
    private final AtomicLong calls = new AtomicLong();
    private final Set<String> attempted = ConcurrentHashMap.newKeySet();

    private DurableNode(String uri, String testPrefix, String typeName, String instance, Options options) {
        this.instance = instance;
        this.handlings = handlingsKey(testPrefix);
        this.type = type(typeName);
        this.client = RedisClient.create(uri);
        this.recorder = client.connect();
        this.transport = RedisStreamTransport.builder(uri)
                .keyPrefix(testPrefix + "sluice")
                .instanceId(instance)
                .leaseTtl(options.leaseTtl())
                .heartbeat(HEARTBEAT)
                .safetyMargin(Duration.ofSeconds(1))
                .block(Duration.ofMillis(500))
                .commandTimeout(Duration.ofSeconds(3))
                .retentionInterval(Duration.ofHours(1))
                .build();
        transport.bindTo(meters);
        this.bus = EventBus.builder().transport(transport).instance(instance).build();
        bus.register(type);
        bus.ready().block(Duration.ofSeconds(30));
        ResiliencePolicy policy = ResiliencePolicy.builder("durable-node")
                .timeout(options.timeout())
                .retry(RetrySettings.builder()
                        .maxAttempts(options.attempts())
                        .minBackoff(Duration.ofMillis(200))
                        .maxBackoff(Duration.ofMillis(200))
                        .build())
                .deadline(options.worstCase())
                .build();
        RedisReactiveCommands<String, String> redis = recorder.reactive();
        bus.subscribe(SubscriberSpec.builder(SUBSCRIBER, type, event -> handle(redis, event, options))
                .policy(policy)
                .concurrency(options.concurrency())
                .inboxSize(32)
                .orderedByKey(true)
                .startFrom(StartPosition.OLDEST)
                .build());
    }

    /** Start a node; it reads as soon as this returns. Blocks the calling thread (a test's or a main's). */
    static DurableNode start(String uri, String testPrefix, String typeName, String instance, Options options) {
        return new DurableNode(uri, testPrefix, typeName, instance, options);
    }

    /** Return the durable type of the tests, {@code typeName} with 16 partitions, keyed by {@link Step#key()}. */
    static EventType<Step> type(String typeName) {
        return EventType.of(typeName, Step.class).withKey(Step::key).durable(new Durability(16, 1));
    }

    /** Return the Redis list every node of a test pushes its handling lines to. */
    static String handlingsKey(String testPrefix) {
        return testPrefix + "test:handlings";
    }

    EventBus bus() {
        return bus;
    }

    EventType<Step> type() {
        return type;
    }

    RedisStreamTransport transport() {
        return transport;
    }

    MeterRegistry meters() {
        return meters;
    }

    /** Return the value of the counter or gauge {@code name} of the subscriber, or -1 if it is not registered. */
    double meter(String name) {
        var search = meters.find(name).tag("subscriber", SUBSCRIBER);
        if (search.functionCounter() != null) {
            return search.functionCounter().count();
        }
        return search.gauge() != null ? search.gauge().value() : -1;
    }

    private Mono<Void> handle(RedisReactiveCommands<String, String> redis, Event<Step> event, Options options) {
        long id = calls.incrementAndGet();
        long start = System.nanoTime();
        Step step = event.payload();
        boolean fail =
                options.failFirstEvery() > 0 && step.seq() % options.failFirstEvery() == 0 && attempted.add(event.id());
        Mono<Void> work = fail
                ? Mono.error(new IOException("first attempt of " + step + " fails (retryable)"))
                : Mono.delay(Duration.ofMillis(options.handlerMillis())).then();
        return redis.rpush(handlings, OrderChecker.startLine(instance, id, step.key(), step.seq(), start))
                .then(work)
                .then(Mono.defer(() -> redis.rpush(handlings, OrderChecker.endLine(instance, id, System.nanoTime()))))
                .then();
    }

    @Override
    public void close() {
        try {
            bus.close(Duration.ofSeconds(5)).block(Duration.ofSeconds(30));
            transport.close().block(Duration.ofSeconds(30));
        } finally {
            recorder.close();
            client.shutdown();
        }
    }
}
