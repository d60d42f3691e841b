package dev.sluice.bus.redis;

import dev.sluice.bus.SubscriberHealth;
import dev.sluice.bus.spi.ConsumerSpec;
import dev.sluice.bus.spi.Received;
import dev.sluice.bus.spi.TransportConsumer;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.cluster.api.reactive.RedisClusterReactiveCommands;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * One durable subscriber's consumer on this instance, over Redis Streams (issue 13, guarantees 2, 4–7, 9, 10;
 * docs/durable-events.md, "Ownership and fencing"). It joins the subscriber's group on every partition ({@link
 * ConsumerGroups}), renews its {@link Membership} and its partition leases at every heartbeat, takes its fair share of
 * the partitions ({@link Balancer}, {@link PartitionLeases}), claims a new partition's pending entries before its new
 * ones ({@link PendingClaims}), reads no more than the bus has room for ({@link StreamReads}) and acknowledges entries
 * fenced, in batches ({@link FencedAcks}).
 *
 * <p>The protocol, per partition: claim (fenced generation + 1); if the last owner did not release cleanly, wait the
 * subscriber's worst-case attempt before reading, since the dead owner's last handler may still run, and count one
 * more delivery failure on each of its pending entries; claim the pending entries in stream order; then read new
 * entries. Blocking reads cannot be fenced in Redis, so a handler starts only while the lease holds by the local
 * monotonic clock with the safety margin ({@link #mayStart}), and a stream is read only while the lease will outlive
 * the read; once either check fails the partition is given up cleanly as soon as its entries in flight settle. A
 * partition whose renewal fails is lost at once. A group that vanished under it ({@code NOGROUP}) is created again at
 * the next heartbeat, at the oldest retained entry. Giving a partition up (rebalance, close) waits for its entries in
 * flight to be acknowledged or released, then releases the lease cleanly, so the next owner starts at once.
 *
 * <p>Thread-safe; {@link #read} is called by one reader at a time; nothing blocks. Heartbeats run on the context's
 * timer scheduler.
 *
 * @param <T> the payload type
 */
final class StreamConsumer<T> implements TransportConsumer<T> {

    private static final Logger log = LoggerFactory.getLogger(StreamConsumer.class);

    private final StreamContext context;
    private final ConsumerSpec<T> spec;
    private final StreamKeys keys;
    private final String group;
    private final String instance;
    private final StreamContext.Settings settings;
    private final LongSupplier nanos;
    private final OwnershipTable table;
    private final ConsumerGroups groups;
    private final Membership membership;
    private final PartitionLeases leases;
    private final StreamReads reads;
    private final FencedAcks acks;
    private final PendingClaims claims;
    private final ConsumerStats stats;
    private final Map<String, Integer> partitionOf = new HashMap<>();
    private final Mono<Void> start;
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicBoolean ticking = new AtomicBoolean();
    private final AtomicBoolean groupLost = new AtomicBoolean();
    private volatile Sinks.Empty<Void> readEnded = ended();
    private final AtomicReference<@Nullable Disposable> heartbeat = new AtomicReference<>();
    private final Mono<Void> closing;
    private volatile StreamContext.@Nullable ReadConnection readConnection;
    private volatile int liveMembers;

    /**
     * Create the consumer of {@code spec}'s subscriber over {@code context}; nothing touches Redis before the first
     * {@link #read}.
     *
     * @throws NullPointerException if an argument is null
     */
    StreamConsumer(StreamContext context, ConsumerSpec<T> spec) {
        this(context, spec, System::nanoTime);
    }

    StreamConsumer(StreamContext context, ConsumerSpec<T> spec, LongSupplier nanos) {
        this.context = Objects.requireNonNull(context, "context");
        this.spec = Objects.requireNonNull(spec, "spec");
        this.nanos = Objects.requireNonNull(nanos, "nanos");
        this.keys = context.keys(spec.type());
        this.group = spec.subscriber();
        this.instance = context.instanceId();
        this.settings = context.settings();
        this.table = new OwnershipTable(keys.partitions());
        this.groups = new ConsumerGroups(keys, group, spec.start());
        this.membership = new Membership(keys, group, instance, settings.leaseTtl());
        this.leases = new PartitionLeases(keys, group, instance, settings.leaseTtl());
        this.reads = new StreamReads(keys, group, instance, settings.block());
        this.acks = new FencedAcks(keys, group, context.commands());
        this.claims = new PendingClaims(keys, group, instance, acks);
        this.stats = new ConsumerStats(keys, group);
        for (int p = 0; p < keys.partitions(); p++) {
            partitionOf.put(keys.stream(p), p);
        }
        this.start = ConsumerScripts.Loading.loaded()
                .then(context.commands())
                .flatMap(redis -> groups.createAll(redis).then(tickOnce()))
                .then(context.openReadConnection())
                .doOnNext(connection -> {
                    readConnection = connection;
                    startHeartbeat();
                })
                .then()
                .cache(
                        v -> Duration.ofMillis(Long.MAX_VALUE),
                        e -> Duration.ZERO,
                        () -> Duration.ofMillis(Long.MAX_VALUE));
        this.closing = Mono.defer(this::shutdown).cache();
    }

    @Override
    public Mono<List<Received<T>>> read(int room) {
        if (room < 1) {
            return Mono.error(new IllegalArgumentException("room must be >= 1, but was " + room));
        }
        return Mono.defer(() -> {
            if (closed.get()) {
                return Mono.error(new IllegalStateException(
                        "the consumer of subscriber '" + group + "' on instance '" + instance + "' is closed"));
            }
            started.set(true);
            Sinks.Empty<Void> ended = Sinks.empty();
            readEnded = ended;
            return start.then(Mono.defer(() -> readOnce(room)))
                    .doOnError(this::noticeLostGroup)
                    .doFinally(signal -> {
                        table.reading(List.of());
                        ended.tryEmitEmpty();
                    });
        });
    }

    /** Pending entries of a recovering partition first; else new entries of the readable ones; else wait. */
    private Mono<List<Received<T>>> readOnce(int room) {
        long now = nanos.getAsLong();
        long margin = settings.safetyMargin().toNanos();
        long block = settings.block().toNanos();
        List<Ownership> recovering = new ArrayList<>();
        for (Ownership hold : table.holds()) {
            if (hold.recovering() && hold.readable(now, block, margin)) {
                recovering.add(hold);
            }
        }
        return recoverFrom(recovering, 0, room, now);
    }

    /** Claim pending entries of {@code recovering[i…]}, one partition after another until one has some. */
    private Mono<List<Received<T>>> recoverFrom(List<Ownership> recovering, int i, int room, long now) {
        if (i == recovering.size()) {
            return readNew(room);
        }
        Ownership hold = recovering.get(i);
        // publish first, check again after: a release marks draining first and looks here after (OwnershipTable)
        table.reading(List.of(hold.partition()));
        Ownership checked = table.get(hold.partition());
        long margin = settings.safetyMargin().toNanos();
        long block = settings.block().toNanos();
        if (checked == null
                || checked.generation() != hold.generation()
                || !checked.recovering()
                || !checked.readable(now, block, margin)) {
            return recoverFrom(recovering, i + 1, room, now);
        }
        return recover(checked, room)
                .flatMap(entries -> entries.isEmpty() ? recoverFrom(recovering, i + 1, room, now) : Mono.just(entries));
    }

    private Mono<List<Received<T>>> recover(Ownership hold, int room) {
        return context.commands()
                .flatMap(redis -> claims.next(redis, hold, room))
                .map(batch -> {
                    table.update(hold.partition(), hold.generation(), h -> h.advanced(batch.next(), batch.done()));
                    stats.redelivered(batch.entries().size());
                    List<Received<T>> entries = new ArrayList<>(batch.entries().size());
                    for (PendingClaims.Claimed claimed : batch.entries()) {
                        entries.add(entry(hold, claimed.message(), claimed.deliveryFailures()));
                    }
                    return entries;
                });
    }

    private Mono<List<Received<T>>> readNew(int room) {
        long now = nanos.getAsLong();
        long margin = settings.safetyMargin().toNanos();
        long block = settings.block().toNanos();
        List<Integer> candidates = new ArrayList<>();
        for (Ownership hold : table.holds()) {
            if (!hold.recovering() && hold.readable(now, block, margin)) {
                candidates.add(hold.partition());
            }
        }
        // publish first, check again after: a release marks draining first and looks here after (OwnershipTable)
        table.reading(candidates);
        Map<Integer, Ownership> readable = new HashMap<>();
        List<Integer> partitions = new ArrayList<>();
        for (int p : candidates) {
            Ownership hold = table.get(p);
            if (hold != null && !hold.recovering() && hold.readable(now, block, margin)) {
                readable.put(p, hold);
                partitions.add(p);
            }
        }
        StreamContext.ReadConnection connection = readConnection;
        if (partitions.isEmpty() || connection == null) {
            table.reading(List.of());
            return Mono.delay(settings.block(), context.timers()).thenReturn(List.of());
        }
        StreamReads.Selection selection = reads.select(partitions, room);
        table.reading(selection.partitions());
        Queue<StreamEntry<T>> mapped = new ConcurrentLinkedQueue<>();
        AtomicBoolean handedOver = new AtomicBoolean();
        return reads.read(connection.commands(), connection.cluster(), selection)
                .<Received<T>>map(message -> {
                    Integer p = partitionOf.get(message.getStream());
                    Ownership hold = p == null ? null : readable.get(p);
                    if (hold == null) {
                        throw new IllegalStateException("XREADGROUP of subscriber '" + group
                                + "' answered an entry of stream '" + message.getStream() + "', which it did not read");
                    }
                    StreamEntry<T> entry = entry(hold, message, 0);
                    mapped.add(entry);
                    return entry;
                })
                .collectList()
                .doOnNext(entries -> handedOver.set(true))
                .doOnError(error -> abandon(selection.partitions(), readable, mapped, handedOver, error))
                .doOnCancel(() -> abandon(selection.partitions(), readable, mapped, handedOver, null));
    }

    /**
     * Undo a read that failed or was cancelled before its entries reached the bus (a reply cut off mid-way, a command
     * timeout, shutdown). Redis may have delivered some or all of the entries to this instance already: they are
     * pending for it, and no one would claim them while it kept the partitions, nor could it release them cleanly while
     * the ones decoded counted as in flight (regression: a first instance whose read failed so kept all 16 partitions,
     * and a second one got no share; the entries stayed pending for good). So count the decoded ones out (released),
     * and give every partition the read covered up cleanly: its next owner, this instance again or another, claims its
     * pending entries, these among them, in stream order before any new one.
     */
    private void abandon(
            List<Integer> covered,
            Map<Integer, Ownership> readable,
            Queue<StreamEntry<T>> mapped,
            AtomicBoolean handedOver,
            @Nullable Throwable error) {
        if (handedOver.get()) {
            return;
        }
        for (StreamEntry<T> entry; (entry = mapped.poll()) != null; ) {
            if (entry.settle()) {
                table.settledOne(entry.partition());
                stats.releasedOne();
            }
        }
        for (int p : covered) {
            Ownership hold = readable.get(p);
            if (hold != null) {
                table.update(p, hold.generation(), Ownership::drain);
            }
        }
        if (error != null && !closed.get()) {
            log.warn(
                    "Subscriber '{}' on '{}': a read of partitions {} failed; giving them up cleanly so that their"
                            + " pending entries are claimed again",
                    group,
                    instance,
                    covered,
                    error);
        }
    }

    private StreamEntry<T> entry(Ownership hold, StreamMessage<String, String> message, int deliveryFailures) {
        StreamContext.Decoded<T> decoded = context.decode(spec.type(), hold.partition(), message);
        table.readOne(hold.partition());
        return new StreamEntry<>(
                hold.partition(), message.getId(), decoded, deliveryFailures, hold.generation(), hold.token());
    }

    @Override
    public boolean mayStart(Received<T> entry) {
        if (!(entry instanceof StreamEntry<T> read)) {
            return false;
        }
        Ownership hold = table.get(read.partition());
        if (hold == null || hold.generation() != read.generation() || hold.draining()) {
            return false;
        }
        if (!hold.startable(nanos.getAsLong(), settings.safetyMargin().toNanos())) {
            // monotonic: once a generation may not start one entry it starts none, so no later entry of a key
            // overtakes this one; give the partition up cleanly once what is in flight settles
            table.update(read.partition(), read.generation(), Ownership::drain);
            log.info(
                    "Partition {} of subscriber '{}' on '{}': lease too close to its end to start a handler; giving"
                            + " it up",
                    read.partition(),
                    group,
                    instance);
            return false;
        }
        return true;
    }

    @Override
    public Mono<Void> ack(Received<T> entry) {
        Objects.requireNonNull(entry, "entry");
        if (!(entry instanceof StreamEntry<T> read)) {
            return Mono.error(new IllegalArgumentException("entry " + entry + " was not read by this consumer"));
        }
        return acks.ack(read.partition(), read.token(), read.entryId())
                .doOnNext(applied -> {
                    if (!applied) {
                        stats.refused();
                    }
                    if (read.settle()) {
                        table.settledOne(read.partition());
                    }
                })
                .then();
    }

    @Override
    public void release(Received<T> entry) {
        if (entry instanceof StreamEntry<T> read && read.settle()) {
            table.settledOne(read.partition());
            stats.releasedOne();
        }
    }

    @Override
    public SubscriberHealth health() {
        return stats.health(settings.maxLag(), settings.maxPendingAge());
    }

    @Override
    public Mono<Void> close() {
        return closing;
    }

    /** Return the partitions this consumer holds and is not giving up, sorted (for tests and meters). */
    List<Integer> owned() {
        List<Integer> owned = new ArrayList<>();
        for (Ownership hold : table.holds()) {
            if (!hold.draining()) {
                owned.add(hold.partition());
            }
        }
        return owned;
    }

    /** Return the consumer's counters and last sample. */
    ConsumerStats stats() {
        return stats;
    }

    /**
     * Return the binder of this consumer's meters ({@link ConsumerMeter}), tagged with its type and subscriber, for
     * the transport to bind to its registry.
     */
    ConsumerMeters meters() {
        return new ConsumerMeters(this, spec.type().name(), group);
    }

    /** Return the live members the last heartbeat saw. */
    int liveMembers() {
        return liveMembers;
    }

    /**
     * Run one heartbeat now (membership, renewals, balancing, releases, sampling), waiting for a running one to end
     * first. For tests, which drive rebalancing without waiting on timers.
     */
    Mono<Void> heartbeatNow() {
        return tickOnce()
                .repeatWhenEmpty(retries -> retries.delayElements(Duration.ofMillis(10), context.timers()))
                .then();
    }

    /**
     * Stop the heartbeat without releasing anything, as a process paused (stop-the-world GC, a frozen VM) would: the
     * leases run out in Redis. For the fencing tests.
     */
    void stopHeartbeats() {
        Disposable running = heartbeat.getAndSet(Disposables.disposed());
        if (running != null) {
            running.dispose();
        }
    }

    private void startHeartbeat() {
        Disposable loop = Flux.interval(settings.heartbeat(), settings.heartbeat(), context.timers())
                .onBackpressureDrop()
                .concatMap(i -> tickOnce().onErrorResume(e -> {
                    log.warn(
                            "Heartbeat of subscriber '{}' on instance '{}' failed; next in {}",
                            group,
                            instance,
                            settings.heartbeat(),
                            e);
                    return Mono.empty();
                }))
                .subscribe();
        if (!heartbeat.compareAndSet(null, loop)) {
            loop.dispose();
        }
    }

    /** Run one heartbeat unless one is running: emits true when it ran, false when closed, nothing when skipped. */
    private Mono<Boolean> tickOnce() {
        return Mono.defer(() -> {
            if (closed.get()) {
                return Mono.just(false);
            }
            if (!ticking.compareAndSet(false, true)) {
                return Mono.empty();
            }
            return context.commands()
                    .flatMap(this::tick)
                    .timeout(settings.leaseTtl(), context.timers())
                    .doFinally(signal -> ticking.set(false))
                    .thenReturn(true);
        });
    }

    /** Remember a read refused with {@code NOGROUP}: the next heartbeat creates the group again. */
    private void noticeLostGroup(Throwable error) {
        String message = error.getMessage();
        if (message != null && message.startsWith("NOGROUP") && !groupLost.getAndSet(true)) {
            log.warn(
                    "Subscriber '{}' on '{}': its consumer group vanished (Redis lost its data, or the group was"
                            + " destroyed); creating it again at the oldest retained entry",
                    group,
                    instance);
        }
    }

    private Mono<Void> recreateLostGroup(RedisClusterReactiveCommands<String, String> redis) {
        if (!groupLost.getAndSet(false)) {
            return Mono.empty();
        }
        return groups.recreateAll(redis)
                .doOnNext(created -> log.warn(
                        "Subscriber '{}' on '{}': consumer group created again on {} partitions",
                        group,
                        instance,
                        created))
                .doOnError(error -> groupLost.set(true))
                .then();
    }

    private Mono<Void> tick(RedisClusterReactiveCommands<String, String> redis) {
        return recreateLostGroup(redis).then(membership.heartbeat(redis)).flatMap(members -> {
            liveMembers = members.size();
            return renewAll(redis)
                    .then(Mono.defer(() -> closed.get() ? Mono.<Void>empty() : balance(redis, members)))
                    .then(Mono.defer(() -> releaseSettled(redis)))
                    .then(Mono.defer(() -> stats.sample(redis, members.size(), System.currentTimeMillis())));
        });
    }

    private Mono<Void> renewAll(RedisClusterReactiveCommands<String, String> redis) {
        long ttl = settings.leaseTtl().toNanos();
        return Flux.fromIterable(table.holds())
                .flatMap(hold -> {
                    long sent = nanos.getAsLong();
                    return leases.renew(redis, hold.partition(), hold.token()).doOnNext(renewed -> {
                        if (renewed) {
                            table.update(hold.partition(), hold.generation(), h -> h.renewed(sent + ttl));
                        } else if (table.remove(hold.partition(), hold.generation())) {
                            stats.ownershipChanged();
                            log.warn(
                                    "Partition {} of subscriber '{}' lost by '{}' (lease generation {} expired or"
                                            + " taken)",
                                    hold.partition(),
                                    group,
                                    instance,
                                    hold.generation());
                        }
                    });
                })
                .then();
    }

    private Mono<Void> balance(RedisClusterReactiveCommands<String, String> redis, List<String> members) {
        Set<Integer> held = new HashSet<>();
        Set<Integer> draining = new HashSet<>();
        for (Ownership hold : table.holds()) {
            (hold.draining() ? draining : held).add(hold.partition());
        }
        Balancer.Plan plan = Balancer.plan(keys.partitions(), members, instance, held, draining);
        for (int p : plan.giveUp()) {
            Ownership hold = table.get(p);
            if (hold != null) {
                table.update(p, hold.generation(), Ownership::drain);
                log.info(
                        "Partition {} of subscriber '{}': '{}' gives it up to rebalance ({} members, share {})",
                        p,
                        group,
                        instance,
                        members.size(),
                        plan.share());
            }
        }
        if (plan.wanted() == 0) {
            return Mono.empty();
        }
        return Flux.fromIterable(plan.candidates())
                .concatMap(p -> claim(redis, p))
                .filter(Boolean::booleanValue)
                .take(plan.wanted())
                .then();
    }

    private Mono<Boolean> claim(RedisClusterReactiveCommands<String, String> redis, int p) {
        long sent = nanos.getAsLong();
        return leases.claim(redis, p).map(claim -> {
            if (!claim.acquired()) {
                return false;
            }
            // the lease ends by the send time (never later than in Redis); the takeover wait counts from the answer,
            // which came after the old lease had ended in Redis, so it never starts before that end + the worst case
            long answered = nanos.getAsLong();
            long readableAt = claim.clean()
                    ? answered
                    : answered + spec.worstCaseAttempt().toNanos();
            table.put(Ownership.claimed(
                    p,
                    claim.generation(),
                    leases.token(claim.generation()),
                    sent + settings.leaseTtl().toNanos(),
                    readableAt,
                    !claim.clean()));
            stats.ownershipChanged();
            log.info(
                    "Partition {} of subscriber '{}' claimed by '{}' under generation {} ({})",
                    p,
                    group,
                    instance,
                    claim.generation(),
                    claim.clean()
                            ? "clean handover"
                            : "last owner ended uncleanly: waiting " + spec.worstCaseAttempt());
            return true;
        });
    }

    /** Release cleanly every hold being given up whose entries in flight all settled and that no read covers. */
    private Mono<Void> releaseSettled(RedisClusterReactiveCommands<String, String> redis) {
        return Flux.fromIterable(table.holds())
                .filter(hold -> hold.draining()
                        && table.inFlight(hold.partition()) <= 0
                        && !table.reading().contains(hold.partition()))
                .concatMap(hold -> release(redis, hold))
                .then();
    }

    private Mono<Void> release(RedisClusterReactiveCommands<String, String> redis, Ownership hold) {
        // given up before its takeover wait ended: the dead owner's last handler may still run, so the next owner waits
        boolean clean = nanos.getAsLong() - hold.readableAt() >= 0;
        return leases.release(redis, hold.partition(), hold.token(), clean)
                .doOnNext(released -> {
                    if (table.remove(hold.partition(), hold.generation())) {
                        stats.ownershipChanged();
                    }
                    log.info(
                            "Partition {} of subscriber '{}' {} by '{}' (generation {})",
                            hold.partition(),
                            group,
                            !released
                                    ? "was no longer held"
                                    : clean ? "released cleanly" : "released before its takeover wait ended",
                            instance,
                            hold.generation());
                })
                .then();
    }

    /** Stop heartbeats and reads, release every settled partition cleanly, leave the group's members, close. */
    private Mono<Void> shutdown() {
        closed.set(true);
        stopHeartbeats();
        if (!started.get()) {
            return Mono.empty();
        }
        Duration readBound = settings.block().multipliedBy(2).plus(Duration.ofSeconds(1));
        Mono<Void> readDone = readEnded
                .asMono()
                .timeout(readBound, context.timers())
                .onErrorResume(TimeoutException.class, e -> {
                    log.warn(
                            "Subscriber '{}' on '{}': a read did not end within {} of close",
                            group,
                            instance,
                            readBound);
                    return Mono.empty();
                });
        // take the heartbeat's turn for good, so no heartbeat claims a partition after the releases below
        Mono<Boolean> lastTurn = Mono.fromCallable(() -> ticking.compareAndSet(false, true) ? Boolean.TRUE : null)
                .repeatWhenEmpty(retries -> retries.delayElements(Duration.ofMillis(10), context.timers()));
        return readDone.then(lastTurn)
                .then(context.commands())
                .flatMap(redis -> {
                    List<Ownership> holds = table.holds();
                    holds.sort(Comparator.comparingInt(Ownership::partition));
                    for (Ownership hold : holds) {
                        table.update(hold.partition(), hold.generation(), Ownership::drain);
                        if (table.inFlight(hold.partition()) > 0) {
                            log.warn(
                                    "Subscriber '{}' on '{}' closes with {} entries of partition {} in flight: its"
                                            + " lease is left to expire",
                                    group,
                                    instance,
                                    table.inFlight(hold.partition()),
                                    hold.partition());
                        }
                    }
                    return releaseSettled(redis).then(membership.leave(redis));
                })
                .then(Mono.defer(() -> {
                    StreamContext.ReadConnection connection = readConnection;
                    readConnection = null;
                    return connection == null ? Mono.<Void>empty() : connection.close();
                }));
    }

    private static Sinks.Empty<Void> ended() {
        Sinks.Empty<Void> sink = Sinks.empty();
        sink.tryEmitEmpty();
        return sink;
    }
}
