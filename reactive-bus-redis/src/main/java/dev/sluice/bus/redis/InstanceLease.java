package dev.sluice.bus.redis;

import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * The lease that keeps one instance id unique among live instances (docs/durable-events.md, "Instances"): {@code SET
 * <prefix>:instance:<id> <generation> NX PX <leaseTtl>} when the transport starts, renewed every heartbeat by a script
 * that extends it only while it still holds this start's generation, and deleted on close. A start finding the id
 * held by a live instance fails; a restart after the old lease ended takes a new generation ({@code
 * <epoch ms>-<random>}), so the old process's renewals, should it still run, no longer extend it. Thread-safe.
 */
final class InstanceLease {

    private static final Logger log = LoggerFactory.getLogger(InstanceLease.class);

    private final TransportConnection redis;
    private final TransportStatus status;
    private final String instanceId;
    private final String key;
    private final String generation;
    private final Duration ttl;
    private final Duration heartbeat;
    private final Scheduler timers;
    private final Mono<Void> acquired;
    private volatile @Nullable Disposable renewals;
    private volatile boolean released;

    InstanceLease(
            TransportConnection redis,
            TransportStatus status,
            String prefix,
            String instanceId,
            Duration ttl,
            Duration heartbeat,
            Scheduler timers) {
        this.redis = redis;
        this.status = status;
        this.instanceId = instanceId;
        this.key = StreamKeys.instance(prefix, instanceId);
        this.generation = System.currentTimeMillis() + "-"
                + Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xffff_ffffL);
        this.ttl = ttl;
        this.heartbeat = heartbeat;
        this.timers = timers;
        // retried on the next use after a failed attempt (Redis down at start), kept once taken
        this.acquired = Mono.defer(this::acquire)
                .cache(
                        v -> Duration.ofMillis(Long.MAX_VALUE),
                        e -> Duration.ZERO,
                        () -> Duration.ofMillis(Long.MAX_VALUE));
    }

    /** Return this start's generation. */
    String generation() {
        return generation;
    }

    /**
     * Take the lease once (later calls replay the outcome of the first that succeeded) and start renewing it.
     *
     * @return a {@code Mono} that completes when the lease is held; or errors with {@link IllegalStateException} naming
     *     the id if a live instance holds it, or with Redis's error (tried again on the next call)
     */
    Mono<Void> acquired() {
        return acquired;
    }

    /** Stop renewing and delete the lease if it is still this start's. Never errors. */
    Mono<Void> release() {
        return Mono.defer(() -> {
            released = true;
            Disposable running = renewals;
            if (running == null) {
                return Mono.<Void>empty();
            }
            running.dispose();
            return redis.commands()
                    .flatMap(commands -> StreamScripts.RELEASE_INSTANCE
                            .<Long>run(commands, ScriptOutputType.INTEGER, new String[] {key}, generation)
                            .then())
                    .onErrorResume(e -> {
                        log.warn("Could not release the lease of instance {}; it ends in {}", instanceId, ttl, e);
                        return Mono.empty();
                    });
        });
    }

    private Mono<Void> acquire() {
        if (released) {
            return Mono.error(new IllegalStateException("the transport of instance '" + instanceId + "' is closed"));
        }
        return redis.commands()
                .flatMap(commands -> commands.set(
                                key, generation, SetArgs.Builder.nx().px(ttl))
                        .map(ok -> true)
                        .defaultIfEmpty(false)
                        .flatMap(taken -> taken
                                ? Mono.<Void>empty()
                                : commands.get(key)
                                        .defaultIfEmpty("?")
                                        .zipWith(commands.pttl(key))
                                        .flatMap(held -> Mono.error(new IllegalStateException("instance id '"
                                                + instanceId + "' is held by a live instance (" + key + " = "
                                                + held.getT1() + ", ending in " + held.getT2()
                                                + " ms): give every instance its own id, or leave the default")))))
                .doOnSuccess(v -> startRenewing());
    }

    private void startRenewing() {
        synchronized (this) {
            if (renewals != null || released) {
                return;
            }
            renewals = Flux.interval(heartbeat, heartbeat, timers)
                    .onBackpressureDrop()
                    .concatMap(tick -> renew(), 1)
                    .subscribe();
        }
    }

    private Mono<Void> renew() {
        return redis.commands()
                .flatMap(commands -> StreamScripts.RENEW_INSTANCE
                        .<Long>run(
                                commands,
                                ScriptOutputType.INTEGER,
                                new String[] {key},
                                generation,
                                Long.toString(ttl.toMillis()))
                        .next())
                .doOnNext(this::renewed)
                .onErrorResume(e -> {
                    status.failed(e);
                    log.debug("Could not renew the lease of instance {}", instanceId, e);
                    return Mono.empty();
                })
                .then();
    }

    private void renewed(long result) {
        status.answered(); // Redis answered: health recovers even while nothing is published
        if (result == 0) {
            if (status.leaseLost() == null) {
                log.error(
                        "The lease of instance {} ({}) is held by another instance: two processes share the id",
                        instanceId,
                        key);
            }
            status.leaseLost("instance id '" + instanceId + "' is held by another instance");
            return;
        }
        if (result == 2) {
            log.warn("The lease of instance {} had expired (renewals were late); it is taken again", instanceId);
        }
        status.leaseLost(null);
    }
}
