package dev.sluice.bus.redis;

import dev.sluice.bus.DeadLetterStore;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.resource.ClientResources;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The production {@link DeadLetterStore}: each subscriber's letters in a Redis stream, written with Lettuce's reactive
 * API, laid out as docs/DESIGN.md ("Dead letters in Redis") fixes, so any Redis client can read them. Build one with
 * {@link #builder(String)} (or from a {@link RedisURI}, or sharing your {@code ClientResources} or {@code
 * RedisClient}); standalone, Sentinel, TLS ({@code rediss://}) and authentication work because Lettuce does them. For a
 * Redis Cluster use {@link #clusterBuilder(Iterable)} or {@link #builder(RedisClusterClient)}: Lettuce routes each
 * command to the node owning its key's slot and follows the topology. Close it with {@link #closeGracefully()} (or
 * {@link #close()}) when the application stops.
 *
 * <p><b>Keys</b> (prefix {@value #DEFAULT_KEY_PREFIX} by default; the braces are a Redis Cluster hash tag, so one
 * subscriber's keys share a slot and the scripts below are Cluster-safe):
 *
 * <ul>
 *   <li>{@code <prefix>:dlq:{<subscriber>}} — stream of live letters, one entry per letter with the flat string
 *       fields {@code format} ({@code 1}), {@code letter_id}, {@code event_id}, {@code event_type}, {@code event_key},
 *       {@code subscriber}, {@code payload} (JSON), {@code headers} (JSON object), {@code published_at}, {@code
 *       dead_lettered_at}, {@code last_failed_at} (ISO-8601 UTC), {@code reason}, {@code error_class}, {@code
 *       error_message}, {@code cause_class}, {@code stack_trace}, {@code attempts}, {@code redrive_count}, {@code
 *       instance}; an empty string where a value is absent (so an empty event key reads back as none);
 *   <li>{@code …:parked} — stream of parked letters, same fields;
 *   <li>{@code …:ids} — hash {@code letter_id} → which stream and entry id, for get / replace / delete by id and
 *       idempotent writes;
 *   <li>{@code …:due} — sorted set {@code letter_id} → due time (epoch ms) of scheduled live letters;
 *   <li>{@code …:leases} — sorted set {@code letter_id} → lease end (epoch ms).
 * </ul>
 *
 * Every change that touches more than one key is one Lua script, so Redis applies it atomically. Times come from the
 * caller (the SPI's {@code now} and {@code redriveAt}), never from Redis's clock.
 *
 * <p><b>Values.</b> Payload and headers are JSON written with the configured Jackson {@code ObjectMapper} (default: a
 * mapper with {@code java.time} as ISO-8601 text and unknown properties ignored, as the transport's, and no polymorphic
 * default typing, so reading a letter never instantiates a class the JSON names). Letters
 * read back carry their payload as a {@link JsonPayload}; {@link #decodePayload} turns it into the event's type. A
 * payload the mapper cannot serialize is stored anyway, with reason {@code SERIALIZATION_FAILED}: {@code error_class}
 * and {@code error_message} describe the serialization error and the message names the original reason and error,
 * {@code cause_class} and {@code stack_trace} are the original error's, and {@code payload} is a JSON string of the
 * payload's {@code toString()}. Payloads longer than {@link Builder#maxPayloadBytes}, stack traces and error messages
 * longer than {@link Builder#maxStackTraceBytes} are cut and end with {@code …[truncated N bytes]}.
 *
 * <p><b>Writes that survive Redis</b> (docs/DESIGN.md promises 8 and 9). The store's connection rejects commands while
 * disconnected, bounds its request queue and times every command out ({@link Builder#commandTimeout}), so an outage
 * shows at once instead of queueing without bound. Concurrent writes are pipelined on the one connection. A write
 * Redis does not acknowledge (rejected, timed out, connection lost) goes to the local append-only journal ({@link
 * Builder#journalPath}); journal appends are group-committed (one {@code fsync} per batch) on {@code
 * Schedulers.boundedElastic()}. Every {@link Builder#replayInterval} the store rotates the journal file and replays it
 * into Redis, then deletes it; a journal left by an earlier run is replayed at start. Writes are idempotent by {@code
 * letter_id}, so a replayed, retried or reconnected write stores no duplicate. A letter is safe once Redis acknowledged
 * it or the journal fsynced it; Redis's own persistence (AOF) is the operator's job. While Redis is unreachable or the
 * journal holds letters, {@link #health()} is {@code DEGRADED}; if the journal fails too, writes signal an error and
 * health is {@code DOWN}. A replayed letter lands at the newest end of its stream.
 *
 * <p><b>Redrive across instances.</b> Scheduling and leases follow {@link DeadLetterStore}: a sorted set of due times
 * plus a per-letter lease, not a consumer group (whose {@code XAUTOCLAIM} would let another instance take a letter
 * waiting out a delay of minutes). A letter held by an instance that died is claimable again once its lease ends.
 * Delivery to handlers is therefore at least once: handlers should be idempotent.
 *
 * <p><b>Metrics and health.</b> {@link #bindTo(MeterRegistry)} registers the meters of {@link RedisStoreMeters}.
 *
 * <p><b>Threads.</b> Thread-safe; nothing blocks the calling thread (file I/O runs on {@code
 * Schedulers.boundedElastic()}), and every method is lazy. {@code Mono}s and {@code Flux}es signal on Lettuce's I/O
 * threads or on {@code boundedElastic} (after a journal write), so do not block in what follows them. The replay and
 * sampling loop runs on {@code Schedulers.parallel()}. A store built without the application's {@code ClientResources}
 * or client creates resources of its own, whose daemon threads are named {@code sluice-redis-<pool>-<n>-<m>} (not
 * {@code lettuce-…}), and closing it ends them.
 */
public final class RedisDeadLetterStore extends StoreOperations implements DeadLetterStore, MeterBinder, AutoCloseable {

    /** Default key prefix. */
    public static final String DEFAULT_KEY_PREFIX = "sluice";
    /** Default time Redis has to answer a command before the write goes to the journal. */
    public static final Duration DEFAULT_COMMAND_TIMEOUT = Duration.ofSeconds(1);
    /** Default bound of Lettuce's request queue (commands written but not answered, or waiting to be written). */
    public static final int DEFAULT_REQUEST_QUEUE_SIZE = 10_000;
    /** Default journal file, relative to the working directory. */
    public static final Path DEFAULT_JOURNAL_PATH = Path.of("sluice-dead-letters.journal");
    /** Default time between journal replays (and samples of {@code sluice.dead.letters.stored}). */
    public static final Duration DEFAULT_REPLAY_INTERVAL = Duration.ofSeconds(1);
    /** Default payload limit: 64 KiB of UTF-8 JSON. */
    public static final int DEFAULT_MAX_PAYLOAD_BYTES = 64 * 1024;
    /** Default limit of a stack trace, and of an error message: 8 KiB of UTF-8. */
    public static final int DEFAULT_MAX_STACK_TRACE_BYTES = 8 * 1024;
    /** Default maximum letters per stream: 0, no limit (trimming is opt-in). */
    public static final long DEFAULT_MAX_LENGTH = 0;

    private static final Logger log = LoggerFactory.getLogger(RedisDeadLetterStore.class);

    private final String keyPrefix;
    private final Duration commandTimeout;
    private final Journal journal;
    private final RedisConnection redis;
    private final RedisStatus status;
    private final Subscribers subscribers;
    private final LetterWriter writer;
    private volatile boolean closed;
    private final Mono<Void> closing;
    private final Disposable loop;

    private RedisDeadLetterStore(Builder builder, RedisConnection redis) {
        this(builder, redis, new Parts(builder, redis));
    }

    private RedisDeadLetterStore(Builder builder, RedisConnection redis, Parts parts) {
        super(parts.writer, parts.queries, parts.changes, parts.codec);
        this.keyPrefix = builder.keyPrefix;
        this.commandTimeout = builder.commandTimeout;
        this.journal = parts.journal;
        this.redis = redis;
        this.status = parts.status;
        this.subscribers = parts.subscribers;
        this.writer = parts.writer;
        this.closing = Mono.defer(this::shutDown).cache();
        this.loop = new ReplayLoop(journal, writer, redis, status, subscribers, builder.replayInterval).start();
    }

    /**
     * Start a builder for the Redis at {@code uri}, e.g. {@code redis://localhost:6379}, {@code
     * rediss://:password@host:6380/0} or {@code redis-sentinel://host:26379/0#mymaster} (Lettuce's URI syntax). The
     * store creates its own client and shuts it down on close.
     *
     * @throws NullPointerException if {@code uri} is null
     * @throws IllegalArgumentException if Lettuce cannot parse {@code uri}
     */
    public static Builder builder(String uri) {
        return builder(RedisURI.create(Objects.requireNonNull(uri, "uri")));
    }

    /**
     * Start a builder for the Redis at {@code uri}. The store creates its own client (with its own client resources:
     * event loops and timers, on {@code sluice-redis-…} threads) and shuts both down on close.
     *
     * @throws NullPointerException if {@code uri} is null
     */
    public static Builder builder(RedisURI uri) {
        Objects.requireNonNull(uri, "uri");
        return new Builder(settings -> StoreClients.standalone(settings, null, uri));
    }

    /**
     * Start a builder for the Redis at {@code uri} that shares the application's Lettuce {@code resources} (event
     * loops, timers, reconnect delay). The store creates its own client on them, configured as {@link Builder} says,
     * and shuts that client (not the resources) down on close.
     *
     * @throws NullPointerException if an argument is null
     */
    public static Builder builder(ClientResources resources, RedisURI uri) {
        Objects.requireNonNull(resources, "resources");
        Objects.requireNonNull(uri, "uri");
        return new Builder(settings -> StoreClients.standalone(settings, resources, uri));
    }

    /**
     * Start a builder that opens the store's connection to {@code uri} with the application's {@code client}, as it is
     * configured: the store does not change a client it does not own (that would change the application's other
     * connections), so {@link Builder#build()} requires the client's options to reject commands while disconnected,
     * bound the request queue and time commands out, and {@link Builder#commandTimeout} and {@link
     * Builder#requestQueueSize} do not apply. The store does not shut {@code client} down.
     *
     * @throws NullPointerException if an argument is null
     */
    public static Builder builder(RedisClient client, RedisURI uri) {
        Objects.requireNonNull(client, "client");
        Objects.requireNonNull(uri, "uri");
        return new Builder(settings -> StoreClients.standalone(client, uri));
    }

    /**
     * Start a builder for the Redis Cluster reachable through {@code seeds} (one or more of its nodes; Lettuce finds
     * the rest). The store creates its own {@code RedisClusterClient} (with its own client resources), configured as
     * {@link Builder} says (topology refresh as Lettuce's defaults: on redirects and lost nodes), and shuts it down on
     * close. Every script touches one subscriber's keys, which share a hash slot, so it runs on the node owning that
     * slot. The store opens its connections to the nodes serving slots when it connects; a command for a node it has
     * not connected to yet (one that took over slots later) is rejected while that connection opens, so such a letter
     * goes to the journal and is replayed.
     *
     * @throws NullPointerException if {@code seeds} or one of them is null
     * @throws IllegalArgumentException if {@code seeds} is empty
     */
    public static Builder clusterBuilder(Iterable<RedisURI> seeds) {
        List<RedisURI> nodes = StoreClients.seeds(seeds);
        return new Builder(settings -> StoreClients.cluster(settings, null, nodes));
    }

    /**
     * Start a builder for the Redis Cluster reachable through {@code seeds} that shares the application's Lettuce
     * {@code resources}, as {@link #clusterBuilder(Iterable)} does otherwise; the store shuts its client (not the
     * resources) down on close.
     *
     * @throws NullPointerException if an argument or a seed is null
     * @throws IllegalArgumentException if {@code seeds} is empty
     */
    public static Builder clusterBuilder(ClientResources resources, Iterable<RedisURI> seeds) {
        Objects.requireNonNull(resources, "resources");
        List<RedisURI> nodes = StoreClients.seeds(seeds);
        return new Builder(settings -> StoreClients.cluster(settings, resources, nodes));
    }

    /**
     * Start a builder that opens the store's connection to a Redis Cluster with the application's {@code client}, as
     * it is configured: as with {@link #builder(RedisClient, RedisURI)}, {@link Builder#build()} requires the client's
     * options ({@code ClusterClientOptions}) to reject commands while disconnected, bound the request queue and time
     * commands out, and {@link Builder#commandTimeout} and {@link Builder#requestQueueSize} do not apply. The store
     * does not shut {@code client} down.
     *
     * @throws NullPointerException if {@code client} is null
     */
    public static Builder builder(RedisClusterClient client) {
        Objects.requireNonNull(client, "client");
        return new Builder(settings -> StoreClients.cluster(client));
    }

    /**
     * Return the store's health now; never blocks.
     *
     * @return {@code UP}; {@code DEGRADED} while Redis is unreachable (since when, and the last error) or the journal
     *     holds letters (how many, where); {@code DOWN} if the last journal write failed while Redis is unreachable
     *     (writes are refused) or the store is closed
     */
    @Override
    public StoreHealth health() {
        return HealthReport.of(closed, status, journal);
    }

    /**
     * Return how many letters were accepted by {@link #write} and not yet acknowledged by Redis: in flight, or in the
     * journal (this run's and any found at start).
     */
    public long pending() {
        return writer.inFlight() + journal.letters();
    }

    /** Return how many letters the journal holds now, waiting for replay. */
    public long journaled() {
        return journal.letters();
    }

    /**
     * Register the meters of {@link RedisStoreMeters} with {@code registry}: pending, journal size, write errors and
     * trimmed letters at once, and {@code sluice.dead.letters.stored} for each subscriber as the store meets it (by
     * writing or replaying its letters), sampled every replay interval. Bind one registry per store.
     */
    @Override
    public void bindTo(MeterRegistry registry) {
        Objects.requireNonNull(registry, "registry");
        if (!subscribers.bindTo(registry)) {
            throw new IllegalStateException(this + " is already bound to a MeterRegistry");
        }
        RedisStoreMeters.PENDING
                .doc()
                .gauge(this, RedisDeadLetterStore::pending)
                .register(registry);
        RedisStoreMeters.JOURNAL_SIZE.doc().gauge(journal, Journal::letters).register(registry);
        RedisStoreMeters.WRITE_ERRORS
                .doc()
                .counter(writer.writeErrors(), LongAdder::sum)
                .register(registry);
        RedisStoreMeters.TRIMMED.doc().counter(writer.trimmed(), LongAdder::sum).register(registry);
    }

    /**
     * Stop: refuse new writes, wait for writes in flight to be acknowledged or journaled (each is bounded by the
     * command timeout), stop the replay loop (a journal not yet replayed stays for the next start), close the
     * connection and, if the store created them, shut down the client and its client resources. Idempotent; nothing
     * blocks the subscribing thread (the resources' shutdown waits on {@code Schedulers.boundedElastic()}).
     *
     * @return a {@code Mono} that completes when closed, after every thread of the client resources the store created
     *     has ended; never errors
     */
    public Mono<Void> closeGracefully() {
        return closing;
    }

    /**
     * Close as {@link #closeGracefully()} does, waiting for it at most the command timeout times two plus 10 s. Blocks:
     * call it where blocking is allowed (application shutdown), never on a Reactor or Netty thread.
     */
    @Override
    public void close() {
        closeGracefully().block(commandTimeout.multipliedBy(2).plusSeconds(10));
    }

    @Override
    public String toString() {
        return name(redis, keyPrefix);
    }

    private static String name(RedisConnection redis, String keyPrefix) {
        return "RedisDeadLetterStore[" + redis.target() + ", prefix " + keyPrefix + "]";
    }

    private Mono<Void> shutDown() {
        closed = true;
        writer.close();
        loop.dispose();
        Mono<Void> drained = writer.inFlight() == 0
                ? Mono.empty()
                : Flux.interval(Duration.ofMillis(10))
                        .takeUntil(tick -> writer.inFlight() == 0)
                        .then()
                        .timeout(commandTimeout.multipliedBy(2).plusSeconds(5))
                        .onErrorResume(TimeoutException.class, e -> {
                            log.warn("{} closed with {} dead-letter writes still in flight", this, writer.inFlight());
                            return Mono.empty();
                        });
        return drained.then(journal.close()).then(redis.close()).onErrorResume(e -> {
            log.warn("Error while closing {}", this, e);
            return Mono.empty();
        });
    }

    /** The parts a store is made of, built before it: its operations need them from the start. */
    private static final class Parts {
        final LetterCodec codec;
        final Journal journal;
        final RedisStatus status;
        final Subscribers subscribers;
        final LetterWriter writer;
        final LetterQueries queries;
        final LetterChanges changes;

        Parts(Builder builder, RedisConnection redis) {
            Scripts.load(); // reading the Lua resources blocks: here, on the builder's thread, not on a Lettuce one
            this.codec = new LetterCodec(builder.objectMapper, builder.maxPayloadBytes, builder.maxStackTraceBytes);
            this.journal = new Journal(builder.journalPath, Schedulers.boundedElastic());
            this.status = new RedisStatus(builder.clock);
            this.subscribers = new Subscribers(builder.keyPrefix);
            this.writer = new LetterWriter(
                    name(redis, builder.keyPrefix), redis, codec, journal, subscribers, status, builder.maxLength);
            this.queries = new LetterQueries(redis, subscribers, codec);
            this.changes = new LetterChanges(redis, subscribers, codec, writer.trimmed(), builder.maxLength);
        }
    }

    /**
     * Settings of a {@link RedisDeadLetterStore}; every one has a default. Setters validate at once and name the bad
     * value. Not thread-safe; {@link #build()} may be called more than once (each store needs its own journal path).
     */
    public static final class Builder extends StoreSettings {
        /** Opens the store's connection when {@link #build()} runs, with this builder's settings. */
        private final Function<StoreSettings, RedisConnection> connection;

        private Builder(Function<StoreSettings, RedisConnection> connection) {
            this.connection = connection;
        }

        /**
         * Build the store. It starts connecting and replaying any journal left at {@link #journalPath} in the
         * background; nothing here blocks.
         *
         * @throws IllegalStateException if the store was given a {@code RedisClient} or {@code RedisClusterClient}
         *     whose options would queue commands while disconnected, queue without bound, or never time a command out
         */
        public RedisDeadLetterStore build() {
            return new RedisDeadLetterStore(this, connection.apply(this));
        }

        @Override
        Builder self() {
            return this;
        }
    }
}
