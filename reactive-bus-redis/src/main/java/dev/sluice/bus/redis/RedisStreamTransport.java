package dev.sluice.bus.redis;

import dev.sluice.bus.Durability;
import dev.sluice.bus.Event;
import dev.sluice.bus.EventType;
import dev.sluice.bus.SubscriberHealth;
import dev.sluice.bus.spi.Appended;
import dev.sluice.bus.spi.ConsumerSpec;
import dev.sluice.bus.spi.EventTransport;
import dev.sluice.bus.spi.TransportConsumer;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.resource.ClientResources;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The Redis Streams transport of durable event types (docs/DESIGN.md, "Durable types"; docs/durable-events.md): P
 * partition streams per type, one consumer group per subscriber, one consumer per instance, partition ownership under
 * fenced leases, acknowledgement after the outcome. Hand it to the bus ({@code EventBus.builder().transport(…)}); one
 * transport serves one bus. Build one with {@link #builder(String)} (or from a {@link RedisURI}, sharing your {@code
 * ClientResources} or {@code RedisClient}); for a Redis Cluster use {@link #clusterBuilder(Iterable)} or {@link
 * #builder(RedisClusterClient)}. Close it with {@link #close()} after the bus.
 *
 * <p><b>Layout</b> (prefix {@value #DEFAULT_KEY_PREFIX} by default; see {@code StreamKeys}): the stream of partition
 * p of type t is {@code <prefix>:ev:{t:p}}, its audit hash {@code …:audit}, its leases and fences {@code
 * …:lease:<group>}, {@code …:fence:<group>}; the type's metadata {@code <prefix>:ev:{t}:meta} records its partition
 * count and schema version at first use. The braces are Redis Cluster hash tags: a partition's keys share a slot, and
 * a type's partitions spread over the Cluster. Entry fields are flat strings readable by any Redis client: {@code id},
 * {@code type}, {@code key} (absent when null), {@code headers} (JSON object), {@code payload} (JSON), {@code
 * published_at} (ISO-8601 UTC), {@code format} ({@code json;v=<schemaVersion>}).
 *
 * <p><b>Declare.</b> {@link #declare} records a type's partition count in its metadata, or checks it: a different
 * count is an {@link IllegalStateException} naming both, never a silent reshuffle. The first declare also takes this
 * instance's lease ({@code SET <prefix>:instance:<id> NX PX}, renewed every heartbeat): an id held by a live instance
 * is refused.
 *
 * <p><b>Publishing</b> is a plain {@code XADD} (no Lua), to partition {@code Math.floorMod(murmur3_32(utf8(key)), P)}
 * (MurmurHash3 x86 32-bit, seed 0) for a keyed event, round robin for a null key. A failed {@code XADD} is retried
 * with exponential backoff ({@link Builder#publishBackoff}) within the publish timeout ({@link Builder#publishTimeout},
 * default 5 s), and later appends of its partition wait behind it, so one publisher's events of one key keep their
 * order; when the timeout runs out the {@code Mono} errors with {@link dev.sluice.bus.PublishFailedException} (type,
 * partition, cause). <b>The one duplicate case:</b> a retry after an attempt that timed out (or lost its connection)
 * after Redis had appended it stores the event twice, under one event id; such retries are counted in {@code
 * sluice.durable.publish.possible.duplicates}. Delivery is at-least-once anyway: handlers must be idempotent.
 *
 * <p><b>Retention.</b> Every {@link Builder#retentionInterval} each partition is trimmed ({@code XTRIM MINID}) to the
 * oldest entry any group still needs (pending, or not yet delivered), never an entry a group has not acknowledged,
 * in one script that counts what it removed in the audit ({@code trimmed}). Only a {@link Builder#maxLength}, opt-in,
 * trims entries a group had not handled, and each one is counted for that group ({@code trimmed-unhandled:<group>},
 * {@code sluice.durable.trimmed.unhandled}, a warning in the log). Entries are never deleted one by one.
 *
 * <p><b>Metrics and health.</b> {@link #bindTo(MeterRegistry)} registers the meters of {@link RedisTransportMeters}
 * per type and those of {@code ConsumerMeter} ({@code sluice.durable.lag}, {@code …acks.refused}, …) per consumer;
 * {@link #health()} is {@code DEGRADED} while Redis does not answer, {@code UNHEALTHY} once closed or if another
 * process took this instance's id. {@link #audit} reads the stream-level audit kept in Redis.
 *
 * <p><b>Threads.</b> Thread-safe and non-blocking; every method returning a {@code Mono} or {@code Flux} is lazy, and
 * their signals arrive on Lettuce's I/O threads or the transport's {@link Builder#timers} scheduler, so do not block
 * in what follows them. A transport built without the application's {@code ClientResources} or client creates its
 * own (threads {@code sluice-redis-…}) and shuts them down on close.
 */
public final class RedisStreamTransport implements EventTransport, MeterBinder {

    /** Default key prefix, the dead-letter store's. */
    public static final String DEFAULT_KEY_PREFIX = "sluice";
    /** Default time Redis has to answer one command. */
    public static final Duration DEFAULT_COMMAND_TIMEOUT = Duration.ofSeconds(1);
    /** Default bound of Lettuce's request queue per connection. */
    public static final int DEFAULT_REQUEST_QUEUE_SIZE = 10_000;
    /** Default time one append may take, retries included. */
    public static final Duration DEFAULT_PUBLISH_TIMEOUT = Duration.ofSeconds(5);
    /** Default first backoff between append attempts (it doubles). */
    public static final Duration DEFAULT_FIRST_BACKOFF = Duration.ofMillis(50);
    /** Default longest backoff between append attempts. */
    public static final Duration DEFAULT_MAX_BACKOFF = Duration.ofSeconds(1);
    /** Default appends of one {@code appendAll} in flight at once. */
    public static final int DEFAULT_APPEND_CONCURRENCY = 256;
    /** Default life of a lease (partition, membership, instance) without renewal. */
    public static final Duration DEFAULT_LEASE_TTL = Duration.ofSeconds(10);
    /** Default time between lease renewals. */
    public static final Duration DEFAULT_HEARTBEAT = Duration.ofSeconds(2);
    /** Default margin before a partition lease's local expiry at which handlers stop starting. */
    public static final Duration DEFAULT_SAFETY_MARGIN = Duration.ofSeconds(1);
    /** Default {@code BLOCK} time of a consumer read. */
    public static final Duration DEFAULT_BLOCK = Duration.ofSeconds(1);
    /** Default undelivered entries of a group above which its consumers are {@code DEGRADED}. */
    public static final long DEFAULT_MAX_LAG = 10_000;
    /** Default age of a group's oldest pending entry above which its consumers are {@code DEGRADED}. */
    public static final Duration DEFAULT_MAX_PENDING_AGE = Duration.ofMinutes(1);
    /** Default time between retention runs. */
    public static final Duration DEFAULT_RETENTION_INTERVAL = Duration.ofSeconds(10);
    /** Default maximum entries per partition stream: 0, no limit (only acknowledged entries are trimmed). */
    public static final long DEFAULT_MAX_LENGTH = 0;

    private static final Logger log = LoggerFactory.getLogger(RedisStreamTransport.class);

    private final String keyPrefix;
    private final String instanceId;
    private final TransportConnection redis;
    private final TransportStatus status;
    private final EntryCodec codec;
    private final Map<String, DeclaredType> declared = new ConcurrentHashMap<>();
    private final Set<String> consumers = ConcurrentHashMap.newKeySet();
    private final Map<String, ConsumerMeters> consumerMeters = new ConcurrentHashMap<>();
    private final Map<String, List<Meter>> consumerMetersBound = new ConcurrentHashMap<>();
    private final TransportContext context;
    private final Appender appender;
    private final InstanceLease lease;
    private final Retention retention;
    private final AuditReader audits;
    private final Duration retentionInterval;
    private final Mono<Void> started;
    private final Mono<Void> closing;
    private volatile @Nullable Disposable retentionLoop;
    private volatile @Nullable MeterRegistry registry;
    private volatile boolean closed;

    private RedisStreamTransport(Builder builder, TransportConnection redis) {
        StreamScripts.load(); // reading the Lua resources blocks: here, on the builder's thread
        this.keyPrefix = builder.keyPrefix;
        String id = builder.instanceId;
        this.instanceId = id != null ? id : defaultInstanceId();
        this.redis = redis;
        this.status = new TransportStatus(Clock.systemUTC());
        this.codec = new EntryCodec(builder.objectMapper != null ? builder.objectMapper : DefaultMapper.create());
        this.context = new TransportContext(
                instanceId, keyPrefix, declared, redis, codec, builder.consumerSettings(), builder.timers);
        this.appender = new Appender(
                redis,
                codec,
                status,
                builder.timers,
                builder.publishTimeout,
                builder.firstBackoff,
                builder.maxBackoff,
                builder.commandTimeout,
                builder.appendConcurrency,
                Math.max(1, redis.requestQueueSize() / 2));
        this.lease = new InstanceLease(
                redis, status, keyPrefix, instanceId, builder.leaseTtl, builder.heartbeat, builder.timers);
        this.retention = new Retention(redis, builder.maxLength, this::registerUnhandled);
        this.audits = new AuditReader(redis);
        this.retentionInterval = builder.retentionInterval;
        this.started = lease.acquired().doOnSuccess(v -> startRetention(builder));
        this.closing = Mono.defer(this::shutDown).cache();
    }

    /**
     * Start a builder for the Redis at {@code uri}, e.g. {@code redis://localhost:6379} (Lettuce's URI syntax: TLS,
     * authentication and Sentinel work). The transport creates its own client and client resources and shuts both
     * down on close.
     *
     * @throws NullPointerException if {@code uri} is null
     * @throws IllegalArgumentException if Lettuce cannot parse {@code uri}
     */
    public static Builder builder(String uri) {
        return builder(RedisURI.create(Objects.requireNonNull(uri, "uri")));
    }

    /**
     * Start a builder for the Redis at {@code uri}; the transport creates its own client and client resources.
     *
     * @throws NullPointerException if {@code uri} is null
     */
    public static Builder builder(RedisURI uri) {
        Objects.requireNonNull(uri, "uri");
        return new Builder(settings -> TransportConnection.standalone(settings, null, uri));
    }

    /**
     * Start a builder for the Redis at {@code uri} sharing the application's Lettuce {@code resources}; the transport
     * creates its own client on them and shuts that client (not the resources) down on close.
     *
     * @throws NullPointerException if an argument is null
     */
    public static Builder builder(ClientResources resources, RedisURI uri) {
        Objects.requireNonNull(resources, "resources");
        Objects.requireNonNull(uri, "uri");
        return new Builder(settings -> TransportConnection.standalone(settings, resources, uri));
    }

    /**
     * Start a builder that connects to {@code uri} with the application's {@code client}, as it is configured: {@link
     * Builder#build()} requires its options to reject commands while disconnected, bound the request queue and time
     * commands out; {@link Builder#commandTimeout} and {@link Builder#requestQueueSize} do not apply, and the client's
     * command timeout must be longer than {@link Builder#block} (consumers' blocking reads use it too). The transport
     * does not shut {@code client} down.
     *
     * @throws NullPointerException if an argument is null
     */
    public static Builder builder(RedisClient client, RedisURI uri) {
        Objects.requireNonNull(client, "client");
        Objects.requireNonNull(uri, "uri");
        return new Builder(settings -> TransportConnection.standalone(client, uri));
    }

    /**
     * Start a builder for the Redis Cluster reachable through {@code seeds} (Lettuce finds the other nodes); the
     * transport creates its own client and client resources. Each partition's keys share a slot, so every script runs
     * on one node; a consumer reads streams of different slots with one command per slot.
     *
     * @throws NullPointerException if {@code seeds} or one of them is null
     * @throws IllegalArgumentException if {@code seeds} is empty
     */
    public static Builder clusterBuilder(Iterable<RedisURI> seeds) {
        List<RedisURI> nodes = StoreClients.seeds(seeds);
        return new Builder(settings -> TransportConnection.cluster(settings, null, nodes));
    }

    /**
     * Start a builder for the Redis Cluster behind {@code seeds} sharing the application's Lettuce {@code resources}.
     *
     * @throws NullPointerException if an argument or a seed is null
     * @throws IllegalArgumentException if {@code seeds} is empty
     */
    public static Builder clusterBuilder(ClientResources resources, Iterable<RedisURI> seeds) {
        Objects.requireNonNull(resources, "resources");
        List<RedisURI> nodes = StoreClients.seeds(seeds);
        return new Builder(settings -> TransportConnection.cluster(settings, resources, nodes));
    }

    /**
     * Start a builder on the application's Cluster {@code client}, as it is configured (see {@link
     * #builder(RedisClient, RedisURI)}); the transport does not shut it down.
     *
     * @throws NullPointerException if {@code client} is null
     */
    public static Builder builder(RedisClusterClient client) {
        Objects.requireNonNull(client, "client");
        return new Builder(settings -> TransportConnection.cluster(client));
    }

    /** Return this instance's id: its consumer name in every group. */
    public String instanceId() {
        return instanceId;
    }

    /**
     * Prepare the durable {@code type}: take this instance's lease on first use, then record the type's partition
     * count and schema version in its metadata hash, or check the recorded count. Streams are created by the first
     * append or group. Idempotent.
     *
     * @return a {@code Mono} that completes when the type can be used; or errors with {@link IllegalArgumentException}
     *     if {@code type} is not durable, {@link IllegalStateException} naming both counts if Redis records another
     *     partition count for the type, {@link IllegalStateException} naming the id if a live instance holds this
     *     instance's id, or Lettuce's error if Redis cannot be reached
     */
    @Override
    public Mono<Void> declare(EventType<?> type) {
        Objects.requireNonNull(type, "type");
        return Mono.defer(() -> {
            if (closed) {
                return Mono.error(closedError());
            }
            Durability durability = type.durability();
            if (durability == null) {
                return Mono.error(new IllegalArgumentException("event type '" + type.name() + "' is not durable"));
            }
            StreamKeys keys = TransportContext.keysOf(keyPrefix, type);
            return started.then(redis.commands())
                    .flatMap(commands -> StreamScripts.DECLARE.list(
                            commands,
                            new String[] {keys.meta()},
                            Integer.toString(durability.partitions()),
                            Integer.toString(durability.schemaVersion())))
                    .flatMap(recorded -> {
                        String partitions = String.valueOf(recorded.get(0));
                        if (!partitions.equals(Integer.toString(durability.partitions()))) {
                            return Mono.error(new IllegalStateException("event type '" + type.name() + "' has "
                                    + partitions + " partitions recorded in Redis (" + keys.meta()
                                    + "), but was declared with " + durability.partitions()
                                    + ": the partition count of a durable type cannot change (keys would move to "
                                    + "other partitions and lose their order)"));
                        }
                        DeclaredType known = declared.get(type.name());
                        if (known == null) {
                            DeclaredType added = new DeclaredType(type.name(), keys, durability.schemaVersion());
                            known = declared.putIfAbsent(type.name(), added);
                            MeterRegistry bound = registry;
                            if (known == null && bound != null) {
                                // bound before this type existed (Boot binds MeterBinder beans at startup): its
                                // meters were not registered by bindTo; registering twice returns the same meters
                                register(bound, added);
                            }
                        }
                        return Mono.<Void>empty();
                    });
        });
    }

    /**
     * Append {@code event} (of a declared durable type) to its partition with a plain {@code XADD}, retried with
     * backoff within the publish timeout (see the class Javadoc).
     *
     * @return a {@code Mono} of where it was appended, emitted on a Lettuce I/O thread once Redis acknowledged it; or
     *     {@link dev.sluice.bus.PublishFailedException} (type, partition, cause) when the publish timeout ran out,
     *     Redis refused it for good, or the payload could not be written as JSON; {@link IllegalStateException} if
     *     the type was not declared or the transport is closed
     */
    @Override
    public <T> Mono<Appended> append(Event<T> event) {
        Objects.requireNonNull(event, "event");
        DeclaredType type = declared.get(event.type().name());
        if (type == null || closed) {
            return Mono.error(type == null ? notDeclared(event.type()) : closedError());
        }
        return appender.append(type, event, type.partition(event.key()));
    }

    /**
     * Append {@code events} in order, at most {@link Builder#appendConcurrency} in flight, pipelined per partition;
     * each as {@link #append}. A partition stops at its first failure: no later event of it is sent.
     *
     * @return a {@code Flux} of one {@link Appended} per event, in the order of {@code events}, requesting from them
     *     no faster than appends complete; it errors with the first {@link dev.sluice.bus.PublishFailedException}
     *     (appends already sent to other partitions may have been stored)
     */
    @Override
    public <T> Flux<Appended> appendAll(Publisher<Event<T>> events) {
        Objects.requireNonNull(events, "events");
        Function<Event<?>, DeclaredType> lookUp = event -> {
            DeclaredType type = declared.get(event.type().name());
            if (type == null || closed) {
                throw type == null ? notDeclared(event.type()) : closedError();
            }
            return type;
        };
        return appender.appendAll(events, lookUp);
    }

    /**
     * Return the consumer of one durable subscriber on this instance; see {@link EventTransport#consumer}.
     *
     * @throws IllegalStateException if this transport already has an open consumer for that subscriber, or is closed
     */
    @Override
    public <T> TransportConsumer<T> consumer(ConsumerSpec<T> spec) {
        Objects.requireNonNull(spec, "spec");
        if (closed) {
            throw closedError();
        }
        if (!consumers.add(spec.subscriber())) {
            throw new IllegalStateException(
                    this + " already has a consumer for subscriber '" + spec.subscriber() + "'");
        }
        StreamConsumer<T> consumer = new StreamConsumer<>(context, spec);
        bindConsumer(spec.subscriber(), consumer.meters());
        return new RegisteredConsumer<>(consumer, () -> {
            unbindConsumer(spec.subscriber());
            consumers.remove(spec.subscriber());
        });
    }

    /**
     * Run retention on every partition of {@code type} now (as the periodic run does).
     *
     * @return a {@code Mono} of how many entries were removed; or Lettuce's error if Redis fails
     */
    public Mono<Long> trim(EventType<?> type) {
        Objects.requireNonNull(type, "type");
        return Mono.defer(() -> retention.trim(declaredOrNew(type)));
    }

    /**
     * Read {@code type}'s audit from Redis: per partition at one instant, summed (see {@link StreamAudit}).
     *
     * @return a {@code Mono} of the audit; or {@link IllegalArgumentException} if the type is not durable, Lettuce's
     *     error if Redis fails
     */
    public Mono<StreamAudit> audit(EventType<?> type) {
        Objects.requireNonNull(type, "type");
        return Mono.defer(() -> audits.read(TransportContext.keysOf(keyPrefix, type)));
    }

    /**
     * Delete {@code subscriber}'s consumer group on every partition of {@code type}, with its leases, fences, audit
     * counters and membership (admin call: a group with no live consumer pins retention for ever). Run it when no
     * instance runs that subscriber any more; its pending entries are forgotten.
     *
     * @return a {@code Mono} of how many partitions had the group; or {@link IllegalStateException} if this transport
     *     has an open consumer for the subscriber, Lettuce's error if Redis fails
     */
    public Mono<Long> deleteGroup(EventType<?> type, String subscriber) {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(subscriber, "subscriber");
        return Mono.defer(() -> {
            if (consumers.contains(subscriber)) {
                return Mono.error(new IllegalStateException(
                        this + " has an open consumer for subscriber '" + subscriber + "': close it first"));
            }
            StreamKeys keys = TransportContext.keysOf(keyPrefix, type);
            return redis.commands().flatMap(commands -> Flux.range(0, keys.partitions())
                    .concatMap(p -> StreamScripts.DELETE_GROUP
                            .<Long>run(
                                    commands,
                                    ScriptOutputType.INTEGER,
                                    new String[] {
                                        keys.stream(p),
                                        keys.audit(p),
                                        keys.lease(p, subscriber),
                                        keys.fence(p, subscriber)
                                    },
                                    subscriber)
                            .next())
                    .reduce(0L, Long::sum)
                    .flatMap(n -> commands.del(keys.members(subscriber)).thenReturn(n)));
        });
    }

    /**
     * Return the transport's health now; never blocks.
     *
     * @return {@code HEALTHY}; {@code DEGRADED} while Redis does not answer (since when, the last error); {@code
     *     UNHEALTHY} once closed, or while another process holds this instance's id
     */
    @Override
    public SubscriberHealth health() {
        if (closed) {
            return new SubscriberHealth(SubscriberHealth.Status.UNHEALTHY, this + " is closed");
        }
        String leaseLost = status.leaseLost();
        if (leaseLost != null) {
            return new SubscriberHealth(SubscriberHealth.Status.UNHEALTHY, leaseLost);
        }
        TransportStatus.Problem problem = status.problem();
        if (problem != null) {
            return new SubscriberHealth(
                    SubscriberHealth.Status.DEGRADED,
                    "Redis (" + redis.target() + ") does not answer since " + problem.since() + ": " + problem.error());
        }
        return SubscriberHealth.healthy();
    }

    /**
     * Register the meters of {@link RedisTransportMeters} with {@code registry}, per declared type (types declared
     * later are registered when declared), and each open consumer's {@link ConsumerMeter}s, tagged with its type and
     * subscriber (consumers opened later are registered when opened; a closed consumer's meters are removed). Bind one
     * registry per transport.
     *
     * @throws IllegalStateException if already bound
     */
    @Override
    public void bindTo(MeterRegistry registry) {
        Objects.requireNonNull(registry, "registry");
        synchronized (this) {
            if (this.registry != null) {
                throw new IllegalStateException(this + " is already bound to a MeterRegistry");
            }
            this.registry = registry;
            consumerMeters.forEach(
                    (subscriber, meters) -> consumerMetersBound.put(subscriber, meters.register(registry)));
        }
        declared.values().forEach(type -> register(registry, type));
    }

    /**
     * Close the transport: stop retention, release this instance's lease, close its connections and shut down what it
     * created. Call after every consumer was closed. Idempotent.
     *
     * @return a {@code Mono} that completes when everything is closed; never errors
     */
    @Override
    public Mono<Void> close() {
        return closing;
    }

    /** Return the context this transport shares with its consumers (package-private: not API). */
    StreamContext context() {
        return context;
    }

    @Override
    public String toString() {
        return "RedisStreamTransport[" + redis.target() + ", prefix " + keyPrefix + ", instance " + instanceId + "]";
    }

    private DeclaredType declaredOrNew(EventType<?> type) {
        DeclaredType known = declared.get(type.name());
        if (known != null) {
            return known;
        }
        Durability durability = Objects.requireNonNull(type.durability(), "durability");
        return new DeclaredType(type.name(), TransportContext.keysOf(keyPrefix, type), durability.schemaVersion());
    }

    private void startRetention(Builder builder) {
        synchronized (this) {
            if (retentionLoop != null || closed) {
                return;
            }
            retentionLoop = Flux.interval(retentionInterval, retentionInterval, builder.timers)
                    .onBackpressureDrop()
                    .concatMap(
                            tick -> Flux.fromIterable(declared.values())
                                    .concatMap(type -> retention.trim(type).onErrorResume(e -> {
                                        log.warn(
                                                "Retention of durable type {} failed; tried again in {}",
                                                type.name,
                                                retentionInterval,
                                                e);
                                        return Mono.empty();
                                    }))
                                    .then(),
                            1)
                    .subscribe();
        }
    }

    /** Register {@code subscriber}'s consumer meters now if a registry is bound, else when one is. */
    private synchronized void bindConsumer(String subscriber, ConsumerMeters meters) {
        consumerMeters.put(subscriber, meters);
        MeterRegistry bound = registry;
        if (bound != null) {
            consumerMetersBound.put(subscriber, meters.register(bound));
        }
    }

    /** Remove {@code subscriber}'s consumer meters, so that its next consumer registers its own. */
    private synchronized void unbindConsumer(String subscriber) {
        consumerMeters.remove(subscriber);
        List<Meter> meters = consumerMetersBound.remove(subscriber);
        MeterRegistry bound = registry;
        if (meters != null && bound != null) {
            meters.forEach(bound::remove);
        }
    }

    private void register(MeterRegistry registry, DeclaredType type) {
        Tags tags = Tags.of("type", type.name);
        RedisTransportMeters.APPENDED
                .doc()
                .counter(type.appended, LongAdder::sum)
                .tags(tags)
                .register(registry);
        RedisTransportMeters.PUBLISH_FAILURES
                .doc()
                .counter(type.failed, LongAdder::sum)
                .tags(tags)
                .register(registry);
        RedisTransportMeters.PUBLISH_RETRIES
                .doc()
                .counter(type.retries, LongAdder::sum)
                .tags(tags)
                .register(registry);
        RedisTransportMeters.POSSIBLE_DUPLICATES
                .doc()
                .counter(type.possibleDuplicates, LongAdder::sum)
                .tags(tags)
                .register(registry);
        RedisTransportMeters.TRIMMED
                .doc()
                .counter(type.trimmed, LongAdder::sum)
                .tags(tags)
                .register(registry);
        type.trimmedUnhandled.keySet().forEach(group -> registerUnhandled(registry, type, group));
    }

    private void registerUnhandled(DeclaredType type, String group) {
        MeterRegistry bound = registry;
        if (bound != null) {
            registerUnhandled(bound, type, group);
        }
    }

    private static void registerUnhandled(MeterRegistry registry, DeclaredType type, String group) {
        RedisTransportMeters.TRIMMED_UNHANDLED
                .doc()
                .counter(type.trimmedUnhandled(group), LongAdder::sum)
                .tags(Tags.of("type", type.name, "subscriber", group))
                .register(registry);
    }

    private Mono<Void> shutDown() {
        closed = true;
        Disposable loop = retentionLoop;
        if (loop != null) {
            loop.dispose();
        }
        return lease.release()
                .then(Mono.fromRunnable(appender::close))
                .then(redis.close())
                .onErrorResume(e -> {
                    log.warn("Error while closing {}", this, e);
                    return Mono.empty();
                });
    }

    private IllegalStateException notDeclared(EventType<?> type) {
        return new IllegalStateException("event type '" + type.name() + "' was not declared on " + this
                + (type.durability() == null ? ": it is not durable" : ": declare it first"));
    }

    private IllegalStateException closedError() {
        return new IllegalStateException(this + " is closed");
    }

    /** Return {@code <host>-<pid>-<random>}; the host name lookup may block, so the builder's thread does it. */
    private static String defaultInstanceId() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            host = "unknown-host";
        }
        host = host.replaceAll("[{}:\\s]", "_");
        String random = Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xffffffL);
        return host + "-" + ProcessHandle.current().pid() + "-" + random;
    }

    /**
     * Settings of a {@link RedisStreamTransport}; every one has a default. Setters validate at once and name the bad
     * value. Not thread-safe; {@link #build()} may be called more than once (each transport takes its own instance
     * id unless one was set).
     */
    public static final class Builder extends TransportSettings {
        private final Function<TransportSettings, TransportConnection> connection;

        private Builder(Function<TransportSettings, TransportConnection> connection) {
            this.connection = connection;
        }

        /**
         * Build the transport. Nothing connects until the first {@link RedisStreamTransport#declare}; nothing here
         * blocks but the host-name lookup of the default instance id.
         *
         * @throws IllegalStateException if settings conflict (heartbeat more than half the lease TTL, safety margin
         *     not below it), or the given client's options would queue commands while disconnected, queue without
         *     bound, or never time a command out
         */
        public RedisStreamTransport build() {
            check();
            return new RedisStreamTransport(this, connection.apply(this));
        }

        @Override
        Builder self() {
            return this;
        }
    }
}
