package dev.sluice.bus.redis;

import dev.sluice.bus.DeadLetter;
import dev.sluice.bus.DeadLetterQuery;
import dev.sluice.bus.DeadLetterStore;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.RedisClusterClient;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The production {@link DeadLetterStore}: each subscriber's letters in a Redis stream, written with Lettuce's reactive
 * API, laid out as DESIGN.md ("Dead letters in Redis") fixes, so any Redis client can read them. Build one with {@link
 * #builder(String)} (or from a {@link RedisURI}, or sharing your {@code ClientResources} or {@code RedisClient});
 * standalone, Sentinel, TLS ({@code rediss://}) and authentication work because Lettuce does them. For a Redis Cluster
 * use {@link #clusterBuilder(Iterable)} or {@link #builder(RedisClusterClient)}: Lettuce routes each command to the
 * node owning its key's slot and follows the topology. Close it with {@link #closeGracefully()} (or {@link #close()})
 * when the application stops.
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
 * plain one, no polymorphic default typing, so reading a letter never instantiates a class the JSON names). Letters
 * read back carry their payload as a {@link JsonPayload}; {@link #decodePayload} turns it into the event's type. A
 * payload the mapper cannot serialize is stored anyway, with reason {@code SERIALIZATION_FAILED}: {@code error_class}
 * and {@code error_message} describe the serialization error and the message names the original reason and error,
 * {@code cause_class} and {@code stack_trace} are the original error's, and {@code payload} is a JSON string of the
 * payload's {@code toString()}. Payloads longer than {@link Builder#maxPayloadBytes}, stack traces and error messages
 * longer than {@link Builder#maxStackTraceBytes} are cut and end with {@code …[truncated N bytes]}.
 *
 * <p><b>Writes that survive Redis</b> (DESIGN.md promises 8 and 9). The store's connection rejects commands while
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
 * sampling loop runs on {@code Schedulers.parallel()}.
 */
public final class RedisDeadLetterStore implements DeadLetterStore, MeterBinder, AutoCloseable {

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
    private final LetterCodec codec;
    private final Journal journal;
    private final RedisConnection redis;
    private final RedisStatus status;
    private final Subscribers subscribers;
    private final LetterWriter writer;
    private final LetterScan scan;
    private final String maxLength;
    private volatile boolean closed;
    private final Mono<Void> closing;
    private final Disposable loop;

    private RedisDeadLetterStore(Builder builder, RedisConnection redis) {
        this.keyPrefix = builder.keyPrefix;
        this.commandTimeout = builder.commandTimeout;
        this.maxLength = Long.toString(builder.maxLength);
        Scripts.load();
        this.codec = new LetterCodec(builder.objectMapper, builder.maxPayloadBytes, builder.maxStackTraceBytes);
        this.journal = new Journal(builder.journalPath, Schedulers.boundedElastic());
        this.redis = redis;
        this.status = new RedisStatus(builder.clock);
        this.subscribers = new Subscribers(keyPrefix);
        this.writer = new LetterWriter(toString(), redis, codec, journal, subscribers, status, builder.maxLength);
        this.scan = new LetterScan(codec);
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
     * event loops and timers) and shuts it down on close.
     *
     * @throws NullPointerException if {@code uri} is null
     */
    public static Builder builder(RedisURI uri) {
        Objects.requireNonNull(uri, "uri");
        return new Builder(b -> RedisConnection.standalone(b.newClient(null), uri, true));
    }

    /**
     * Start a builder for the Redis at {@code uri} that shares the application's Lettuce {@code resources} (event
     * loops, timers, reconnect delay). The store creates its own client on them, configured as {@link Builder} says,
     * and shuts that client (not the resources) down on close.
     *
     * @throws NullPointerException if an argument is null
     */
    public static Builder builder(io.lettuce.core.resource.ClientResources resources, RedisURI uri) {
        Objects.requireNonNull(resources, "resources");
        Objects.requireNonNull(uri, "uri");
        return new Builder(b -> RedisConnection.standalone(b.newClient(resources), uri, true));
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
        return new Builder(b -> {
            Builder.requireSafe(client.getOptions(), "RedisClient");
            return RedisConnection.standalone(client, uri, false);
        });
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
        List<RedisURI> nodes = seeds(seeds);
        return new Builder(b -> RedisConnection.cluster(b.newClusterClient(null, nodes), describe(nodes), true));
    }

    /**
     * Start a builder for the Redis Cluster reachable through {@code seeds} that shares the application's Lettuce
     * {@code resources}, as {@link #clusterBuilder(Iterable)} does otherwise; the store shuts its client (not the
     * resources) down on close.
     *
     * @throws NullPointerException if an argument or a seed is null
     * @throws IllegalArgumentException if {@code seeds} is empty
     */
    public static Builder clusterBuilder(io.lettuce.core.resource.ClientResources resources, Iterable<RedisURI> seeds) {
        Objects.requireNonNull(resources, "resources");
        List<RedisURI> nodes = seeds(seeds);
        return new Builder(b -> RedisConnection.cluster(b.newClusterClient(resources, nodes), describe(nodes), true));
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
        return new Builder(b -> {
            Builder.requireSafe(client.getOptions(), "RedisClusterClient");
            return RedisConnection.cluster(client, "cluster", false);
        });
    }

    private static List<RedisURI> seeds(Iterable<RedisURI> seeds) {
        Objects.requireNonNull(seeds, "seeds");
        List<RedisURI> nodes = new ArrayList<>();
        for (RedisURI seed : seeds) {
            nodes.add(Objects.requireNonNull(seed, "seed"));
        }
        if (nodes.isEmpty()) {
            throw new IllegalArgumentException("seeds must name at least one Cluster node, but was empty");
        }
        return List.copyOf(nodes);
    }

    private static String describe(List<RedisURI> seeds) {
        RedisURI first = seeds.get(0);
        return "cluster " + first.getHost() + ":" + first.getPort() + (seeds.size() > 1 ? ",…" : "");
    }

    /**
     * Write {@code letter} as a live letter, due for scheduled redrive at {@code redriveAt} (null: not scheduled),
     * unless the subscriber already has a letter with its id (then nothing changes). With a {@link
     * Builder#maxLength}, the subscriber's oldest live letters beyond it are deleted and counted in {@code
     * sluice.dead.letters.trimmed}.
     *
     * @return a {@code Mono} that completes when Redis acknowledged the letter or, if Redis did not within the command
     *     timeout, when the journal fsynced it; it signals {@link UncheckedIOException} (naming both failures) if the
     *     journal failed too, and {@link IllegalStateException} if the store is closed
     * @throws NullPointerException if {@code letter} is null
     */
    @Override
    public Mono<Void> write(DeadLetter letter, @Nullable Instant redriveAt) {
        Objects.requireNonNull(letter, "letter");
        return writer.write(letter, redriveAt == null ? null : redriveAt.toEpochMilli());
    }

    /**
     * Read one letter, live or parked.
     *
     * @return a {@code Mono} of the letter (payload a {@link JsonPayload}), empty if the subscriber has none with that
     *     id; signals Lettuce's {@code RedisException} if Redis fails, {@link IllegalArgumentException} if the entry is
     *     malformed
     * @throws NullPointerException if an argument is null
     */
    @Override
    public Mono<DeadLetter> get(String subscriber, String letterId) {
        Objects.requireNonNull(subscriber, "subscriber");
        Objects.requireNonNull(letterId, "letterId");
        return Mono.defer(() -> {
            Keys keys = subscribers.keys(subscriber);
            return redis.commands().flatMap(commands -> Scripts.GET
                    .<List<?>>run(
                            commands,
                            ScriptOutputType.MULTI,
                            new String[] {keys.live(), keys.parked(), keys.ids()},
                            letterId)
                    .next()
                    .filter(fields -> !fields.isEmpty())
                    .map(codec::decode));
        });
    }

    /**
     * List the letters matching {@code query}, reading the subscriber's live (or parked) stream in pages of 200
     * entries with {@code XRANGE} / {@code XREVRANGE} and filtering them here; the time range applies to {@code
     * dead_lettered_at}.
     *
     * @return a {@code Flux} of at most {@code query.limit()} letters after the first {@code query.offset()} matches,
     *     oldest or newest written first; completes after the last match; signals Lettuce's {@code RedisException} if
     *     Redis fails, {@link IllegalArgumentException} if an entry is malformed. Letters written or deleted while it is
     *     read may or may not appear.
     * @throws NullPointerException if {@code query} is null
     */
    @Override
    public Flux<DeadLetter> list(DeadLetterQuery query) {
        Objects.requireNonNull(query, "query");
        return scan(query).filter(query::matches).skip(query.offset()).take(query.limit(), true);
    }

    /**
     * Count the letters matching {@code query}: {@code XLEN} when it filters on nothing but the subscriber and side,
     * else a scan as {@link #list} does.
     *
     * @return a {@code Mono} of the count; signals Lettuce's {@code RedisException} if Redis fails
     * @throws NullPointerException if {@code query} is null
     */
    @Override
    public Mono<Long> count(DeadLetterQuery query) {
        Objects.requireNonNull(query, "query");
        if (query.eventType() == null && query.reason() == null && query.from() == null && query.to() == null) {
            return Mono.defer(() -> {
                String stream = subscribers.keys(query.subscriber()).stream(query.parked());
                return redis.commands().flatMap(commands -> commands.xlen(stream));
            });
        }
        return scan(query).filter(query::matches).count();
    }

    private Flux<DeadLetter> scan(DeadLetterQuery query) {
        return Flux.defer(() -> {
            String stream = subscribers.keys(query.subscriber()).stream(query.parked());
            return redis.commands().flatMapMany(commands -> scan.all(commands, stream, query.newestFirst()));
        });
    }

    /**
     * Replace the letter with {@code letter}'s id by {@code letter} in the same stream (it moves to the newest end), in
     * one script: a live letter is due again at {@code redriveAt} (null: not scheduled), a parked one stays parked.
     * Releases its lease. Not journaled: if Redis fails, the error is signalled and the old letter stays.
     *
     * @return a {@code Mono} that completes when Redis applied it, or signals {@link NoSuchElementException} naming
     *     the id if there is no such letter, or Lettuce's {@code RedisException} if Redis fails
     * @throws NullPointerException if {@code letter} is null
     */
    @Override
    public Mono<Void> replace(DeadLetter letter, @Nullable Instant redriveAt) {
        Objects.requireNonNull(letter, "letter");
        return change(Scripts.REPLACE, letter, redriveAt);
    }

    /**
     * Replace the letter with {@code letter}'s id by {@code letter} and move it to the parked stream, in one script;
     * clears its due time and lease. With a {@link Builder#maxLength}, the oldest parked letters beyond it are deleted
     * and counted.
     *
     * @return a {@code Mono} that completes when Redis applied it, or signals {@link NoSuchElementException} naming
     *     the id if there is no such letter, or Lettuce's {@code RedisException} if Redis fails
     * @throws NullPointerException if {@code letter} is null
     */
    @Override
    public Mono<Void> park(DeadLetter letter) {
        Objects.requireNonNull(letter, "letter");
        return change(Scripts.PARK, letter, null);
    }

    private Mono<Void> change(Scripts script, DeadLetter letter, @Nullable Instant redriveAt) {
        return Mono.defer(() -> {
            Keys keys = subscribers.meet(letter.subscriber()).keys;
            String[] args = changeArgs(
                    letter.letterId(), redriveAt == null ? null : redriveAt.toEpochMilli(), codec.encode(letter));
            return redis.commands()
                    .flatMap(commands -> script.<Long>run(commands, ScriptOutputType.INTEGER, allKeys(keys), args)
                            .next())
                    .flatMap(result -> {
                        if (result < 0) {
                            return Mono.error(new NoSuchElementException(
                                    "no dead letter " + letter.letterId() + " for subscriber " + letter.subscriber()));
                        }
                        writer.trimmed().add(result);
                        return Mono.empty();
                    });
        });
    }

    /**
     * Lease one letter, live or parked, until {@code now + lease}, if no other lease on it runs (one that ends after
     * {@code now}). Its due time does not change.
     *
     * @return a {@code Mono} of the letter if leased now; empty if there is no such letter or another lease holds it;
     *     signals Lettuce's {@code RedisException} if Redis fails
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if {@code lease} is not positive
     */
    @Override
    public Mono<DeadLetter> claim(String subscriber, String letterId, Instant now, Duration lease) {
        Objects.requireNonNull(subscriber, "subscriber");
        Objects.requireNonNull(letterId, "letterId");
        long at = Objects.requireNonNull(now, "now").toEpochMilli();
        long until = at + positive(lease);
        return Mono.defer(() -> {
            Keys keys = subscribers.keys(subscriber);
            return redis.commands().flatMap(commands -> Scripts.CLAIM
                    .<List<?>>run(
                            commands,
                            ScriptOutputType.MULTI,
                            new String[] {keys.live(), keys.parked(), keys.ids(), keys.leases()},
                            letterId,
                            Long.toString(at),
                            Long.toString(until))
                    .next()
                    .filter(fields -> !fields.isEmpty())
                    .map(codec::decode));
        });
    }

    /**
     * Lease up to {@code limit} live letters due at or before {@code now} that no running lease holds, earliest due
     * first, in one script; each one's due time moves to its lease end ({@code now + lease}), so if this instance
     * dies the letter is due again then.
     *
     * @return a {@code Flux} of the claimed letters, earliest due first; signals Lettuce's {@code RedisException} if
     *     Redis fails
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if {@code lease} is not positive or {@code limit} is less than 1
     */
    @Override
    public Flux<DeadLetter> claimDue(String subscriber, Instant now, Duration lease, int limit) {
        Objects.requireNonNull(subscriber, "subscriber");
        long at = Objects.requireNonNull(now, "now").toEpochMilli();
        long until = at + positive(lease);
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be >= 1, but was " + limit);
        }
        return Flux.defer(() -> {
            Keys keys = subscribers.keys(subscriber);
            return redis.commands().flatMapMany(commands -> Scripts.CLAIM_DUE
                    .<List<List<?>>>run(
                            commands,
                            ScriptOutputType.MULTI,
                            new String[] {keys.live(), keys.ids(), keys.due(), keys.leases()},
                            Long.toString(at),
                            Long.toString(until),
                            Integer.toString(limit))
                    .flatMapIterable(letters -> letters)
                    .map(codec::decode));
        });
    }

    /**
     * Delete one letter, live or parked, with its due time and lease, in one script.
     *
     * @return a {@code Mono} of whether a letter was deleted; signals Lettuce's {@code RedisException} if Redis fails
     * @throws NullPointerException if an argument is null
     */
    @Override
    public Mono<Boolean> delete(String subscriber, String letterId) {
        Objects.requireNonNull(subscriber, "subscriber");
        Objects.requireNonNull(letterId, "letterId");
        return Mono.defer(() -> {
            Keys keys = subscribers.keys(subscriber);
            return redis.commands().flatMap(commands -> Scripts.DELETE
                    .<Long>run(commands, ScriptOutputType.INTEGER, allKeys(keys), letterId)
                    .next()
                    .map(deleted -> deleted == 1));
        });
    }

    /**
     * Delete every letter of {@code subscriber}, live and parked, with its index, due times and leases, in one script.
     * Letters still in this store's journal are not affected (they are written when replayed).
     *
     * @return a {@code Mono} of how many letters were deleted; signals Lettuce's {@code RedisException} if Redis fails
     * @throws NullPointerException if {@code subscriber} is null
     */
    @Override
    public Mono<Long> purge(String subscriber) {
        Objects.requireNonNull(subscriber, "subscriber");
        return Mono.defer(() -> {
            Keys keys = subscribers.keys(subscriber);
            return redis.commands().flatMap(commands -> Scripts.PURGE
                    .<Long>run(commands, ScriptOutputType.INTEGER, allKeys(keys))
                    .next());
        });
    }

    /**
     * Return {@code letter}'s payload as a {@code type}: a payload that already is one as it is, a {@link JsonPayload}
     * (a letter read from Redis) read with the store's {@code ObjectMapper}. Runs on the calling thread.
     *
     * @throws IllegalArgumentException saying why if the payload cannot be turned into a {@code type}: malformed JSON,
     *     JSON of another shape, a payload truncated to {@link Builder#maxPayloadBytes}, or a payload that was stored as
     *     {@code SERIALIZATION_FAILED}
     */
    @Override
    public <T> T decodePayload(DeadLetter letter, Class<T> type) {
        Objects.requireNonNull(letter, "letter");
        Objects.requireNonNull(type, "type");
        return codec.decodePayload(letter, type);
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
        if (closed) {
            return new StoreHealth(StoreHealth.Status.DOWN, "closed");
        }
        RedisStatus.Problem problem = status.problem();
        Throwable journalFailure = journal.failure();
        long journaled = journal.letters();
        if (problem != null && journalFailure != null) {
            return new StoreHealth(
                    StoreHealth.Status.DOWN,
                    "Redis unreachable since " + problem.since() + " (" + problem.error() + ") and the journal at "
                            + journal.path() + " failing (" + journalFailure + "): writes are refused");
        }
        if (problem != null) {
            return new StoreHealth(
                    StoreHealth.Status.DEGRADED,
                    "Redis unreachable since " + problem.since() + " (" + problem.error() + "); " + journaled
                            + " letters in the journal at " + journal.path());
        }
        if (journalFailure != null) {
            return new StoreHealth(
                    StoreHealth.Status.DEGRADED,
                    "the journal at " + journal.path() + " is failing (" + journalFailure
                            + "); a Redis outage now would refuse writes");
        }
        if (journaled > 0) {
            return new StoreHealth(
                    StoreHealth.Status.DEGRADED,
                    journaled + " letters in the journal at " + journal.path() + " waiting for replay into Redis");
        }
        return StoreHealth.up();
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
     * connection and, if the store created it, the client. Idempotent.
     *
     * @return a {@code Mono} that completes when closed; never errors
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

    private String[] changeArgs(String letterId, @Nullable Long dueMillis, String[] fields) {
        String[] args = new String[3 + fields.length];
        args[0] = letterId;
        args[1] = dueMillis == null ? "" : Long.toString(dueMillis);
        args[2] = maxLength;
        System.arraycopy(fields, 0, args, 3, fields.length);
        return args;
    }

    private static String[] allKeys(Keys keys) {
        return new String[] {keys.live(), keys.parked(), keys.ids(), keys.due(), keys.leases()};
    }

    private static long positive(Duration lease) {
        Objects.requireNonNull(lease, "lease");
        if (lease.isNegative() || lease.isZero()) {
            throw new IllegalArgumentException("lease must be positive, but was " + lease);
        }
        return lease.toMillis() == 0 ? 1 : lease.toMillis();
    }

    /**
     * Settings of a {@link RedisDeadLetterStore}; every one has a default. Setters validate at once and name the bad
     * value. Not thread-safe; {@link #build()} may be called more than once (each store needs its own journal path).
     */
    public static final class Builder {
        /** Opens the store's connection when {@link #build()} runs, with this builder's settings. */
        private final Function<Builder, RedisConnection> connection;

        private String keyPrefix = DEFAULT_KEY_PREFIX;
        private Duration commandTimeout = DEFAULT_COMMAND_TIMEOUT;
        private int requestQueueSize = DEFAULT_REQUEST_QUEUE_SIZE;
        private Path journalPath = DEFAULT_JOURNAL_PATH;
        private Duration replayInterval = DEFAULT_REPLAY_INTERVAL;
        private int maxPayloadBytes = DEFAULT_MAX_PAYLOAD_BYTES;
        private int maxStackTraceBytes = DEFAULT_MAX_STACK_TRACE_BYTES;
        private long maxLength = DEFAULT_MAX_LENGTH;
        private com.fasterxml.jackson.databind.ObjectMapper objectMapper =
                new com.fasterxml.jackson.databind.ObjectMapper();
        private Clock clock = Clock.systemUTC();

        private Builder(Function<Builder, RedisConnection> connection) {
            this.connection = connection;
        }

        /**
         * Set the prefix of every key (default {@value #DEFAULT_KEY_PREFIX}): keys are {@code
         * <prefix>:dlq:{<subscriber>}…}.
         *
         * @throws IllegalArgumentException if {@code keyPrefix} is empty or contains a brace (it would break the
         *     Cluster hash tag)
         */
        public Builder keyPrefix(String keyPrefix) {
            Objects.requireNonNull(keyPrefix, "keyPrefix");
            if (keyPrefix.isEmpty() || keyPrefix.indexOf('{') >= 0 || keyPrefix.indexOf('}') >= 0) {
                throw new IllegalArgumentException(
                        "keyPrefix must be non-empty and without braces, but was '" + keyPrefix + "'");
            }
            this.keyPrefix = keyPrefix;
            return this;
        }

        /**
         * Set how long Redis has to answer a command (default 1 s, {@link #DEFAULT_COMMAND_TIMEOUT}); a write not
         * acknowledged in time goes to the journal. Also the connect timeout.
         *
         * @throws IllegalArgumentException if not positive
         */
        public Builder commandTimeout(Duration commandTimeout) {
            this.commandTimeout = positive("commandTimeout", commandTimeout);
            return this;
        }

        /**
         * Set the bound of Lettuce's request queue (default {@value #DEFAULT_REQUEST_QUEUE_SIZE} commands); a write
         * that finds it full goes to the journal.
         *
         * @throws IllegalArgumentException if less than 1
         */
        public Builder requestQueueSize(int requestQueueSize) {
            if (requestQueueSize < 1) {
                throw new IllegalArgumentException("requestQueueSize must be >= 1, but was " + requestQueueSize);
            }
            this.requestQueueSize = requestQueueSize;
            return this;
        }

        /**
         * Set the journal file (default {@code sluice-dead-letters.journal} in the working directory). Files being
         * replayed sit beside it as {@code <name>.<n>.replay}. Its directory is created when needed. One store per
         * path: a store started on a path replays what an earlier store left there.
         */
        public Builder journalPath(Path journalPath) {
            Objects.requireNonNull(journalPath, "journalPath");
            if (journalPath.getFileName() == null) {
                throw new IllegalArgumentException("journalPath must name a file, but was " + journalPath);
            }
            this.journalPath = journalPath;
            return this;
        }

        /**
         * Set the time between journal replays and samples of {@code sluice.dead.letters.stored} (default 1 s).
         *
         * @throws IllegalArgumentException if not positive
         */
        public Builder replayInterval(Duration replayInterval) {
            this.replayInterval = positive("replayInterval", replayInterval);
            return this;
        }

        /**
         * Set the payload limit in UTF-8 bytes of JSON (default 64 KiB); a longer payload is cut and marked, and can
         * then no longer be redriven.
         *
         * @throws IllegalArgumentException if less than 64
         */
        public Builder maxPayloadBytes(int maxPayloadBytes) {
            if (maxPayloadBytes < 64) {
                throw new IllegalArgumentException("maxPayloadBytes must be >= 64, but was " + maxPayloadBytes);
            }
            this.maxPayloadBytes = maxPayloadBytes;
            return this;
        }

        /**
         * Set the limit of a stack trace, and of an error message, in UTF-8 bytes (default 8 KiB); longer ones are cut
         * and marked.
         *
         * @throws IllegalArgumentException if less than 64
         */
        public Builder maxStackTraceBytes(int maxStackTraceBytes) {
            if (maxStackTraceBytes < 64) {
                throw new IllegalArgumentException("maxStackTraceBytes must be >= 64, but was " + maxStackTraceBytes);
            }
            this.maxStackTraceBytes = maxStackTraceBytes;
            return this;
        }

        /**
         * Set the most letters a subscriber's live stream, and its parked stream, keeps (default 0: no limit). Opt-in:
         * when a write goes beyond it, the oldest letters are deleted exactly (with their due times and leases) and
         * counted in {@code sluice.dead.letters.trimmed}.
         *
         * @throws IllegalArgumentException if negative
         */
        public Builder maxLength(long maxLength) {
            if (maxLength < 0) {
                throw new IllegalArgumentException("maxLength must be >= 0 (0: no limit), but was " + maxLength);
            }
            this.maxLength = maxLength;
            return this;
        }

        /**
         * Set the Jackson mapper for payloads and headers (default: {@code new ObjectMapper()}). Do not enable
         * polymorphic default typing on it: letters are data from outside the process, and a mapper that instantiates
         * classes named in the JSON turns them into a gadget-chain risk. Configure it before {@link #build()}: the store
         * takes its writers from it then, as Jackson recommends (a mapper's configuration is not meant to change once
         * in use).
         */
        public Builder objectMapper(com.fasterxml.jackson.databind.ObjectMapper objectMapper) {
            this.objectMapper = Objects.requireNonNull(objectMapper, "objectMapper");
            return this;
        }

        /** Set the clock for the store's own timestamps (when an outage began, in {@link #health()}); default UTC. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
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

        /** Refuse an application's client whose options would hide an outage (see {@link #build()}). */
        private static void requireSafe(io.lettuce.core.ClientOptions options, String kind) {
            if (options.getDisconnectedBehavior()
                    != io.lettuce.core.ClientOptions.DisconnectedBehavior.REJECT_COMMANDS) {
                throw new IllegalStateException("the " + kind + "'s disconnectedBehavior must be REJECT_COMMANDS, but "
                        + "was " + options.getDisconnectedBehavior() + ": an outage would never be noticed");
            }
            if (options.getRequestQueueSize() == Integer.MAX_VALUE) {
                throw new IllegalStateException(
                        "the " + kind + "'s requestQueueSize must be bounded, but was Integer.MAX_VALUE");
            }
            if (!options.getTimeoutOptions().isTimeoutCommands()) {
                throw new IllegalStateException("the " + kind + "'s timeoutOptions must time commands out");
            }
        }

        private RedisClient newClient(io.lettuce.core.resource.@Nullable ClientResources resources) {
            RedisClient created = resources == null ? RedisClient.create() : RedisClient.create(resources);
            created.setOptions(io.lettuce.core.ClientOptions.builder()
                    .autoReconnect(true)
                    .disconnectedBehavior(io.lettuce.core.ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                    .requestQueueSize(requestQueueSize)
                    .timeoutOptions(io.lettuce.core.TimeoutOptions.enabled(commandTimeout))
                    .socketOptions(io.lettuce.core.SocketOptions.builder()
                            .connectTimeout(commandTimeout)
                            .build())
                    .build());
            return created;
        }

        private RedisClusterClient newClusterClient(
                io.lettuce.core.resource.@Nullable ClientResources resources, List<RedisURI> seeds) {
            RedisClusterClient created =
                    resources == null ? RedisClusterClient.create(seeds) : RedisClusterClient.create(resources, seeds);
            created.setOptions(io.lettuce.core.cluster.ClusterClientOptions.builder()
                    .autoReconnect(true)
                    .disconnectedBehavior(io.lettuce.core.ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                    .requestQueueSize(requestQueueSize)
                    .timeoutOptions(io.lettuce.core.TimeoutOptions.enabled(commandTimeout))
                    .socketOptions(io.lettuce.core.SocketOptions.builder()
                            .connectTimeout(commandTimeout)
                            .build())
                    // topology refresh stays at Lettuce 7's defaults: every adaptive trigger (redirects, lost nodes,
                    // uncovered slots) is on, so failover and resharding are followed
                    .build());
            return created;
        }

        private static Duration positive(String name, Duration value) {
            Objects.requireNonNull(value, name);
            if (value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException(name + " must be positive, but was " + value);
            }
            return value;
        }
    }
}
