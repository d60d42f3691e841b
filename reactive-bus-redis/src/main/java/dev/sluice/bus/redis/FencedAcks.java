package dev.sluice.bus.redis;

import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.reactive.RedisClusterReactiveCommands;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * Batched, fenced acknowledgements of one subscriber's entries (issue 13, guarantee 6): {@code ack.lua} runs {@code
 * XACK} for a batch of one partition's entries only while the partition's lease still holds the token they were read
 * under, and adds what it acknowledged to {@code acked:<group>} in the partition's audit, in the same script. A
 * refused batch is final: its entries stay pending, and the partition's new owner handles them again (at-least-once).
 *
 * <p>Batching: acknowledgements queue up while one batch is on the wire, and the next batch takes all of them (up to
 * {@value #MAX_BATCH}), one script per (partition, token), the scripts of one batch sent together. So a lone
 * acknowledgement goes out at once, and under load each round trip carries many. Thread-safe; nothing blocks.
 */
final class FencedAcks {

    /** The most entry ids one batch carries, so a script's argument list stays well within Lua's stack. */
    static final int MAX_BATCH = 512;

    private static final Logger log = LoggerFactory.getLogger(FencedAcks.class);

    private final StreamKeys keys;
    private final String group;
    private final Mono<RedisClusterReactiveCommands<String, String>> commands;
    private final Queue<Waiter> queue = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean flushing = new AtomicBoolean();

    FencedAcks(StreamKeys keys, String group, Mono<RedisClusterReactiveCommands<String, String>> commands) {
        this.keys = Objects.requireNonNull(keys, "keys");
        this.group = Objects.requireNonNull(group, "group");
        this.commands = Objects.requireNonNull(commands, "commands");
    }

    /**
     * Acknowledge entry {@code id} of partition {@code p}, read under lease {@code token}, in the next batch.
     *
     * @return a {@code Mono} emitting true when acknowledged (or found acknowledged already), false when refused by the
     *     fence (final); or Redis's error (the entry stays pending)
     */
    Mono<Boolean> ack(int p, String token, String id) {
        return Mono.defer(() -> {
            Sinks.One<Boolean> done = Sinks.one();
            queue.add(new Waiter(p, token, id, done));
            drain();
            return done.asMono();
        });
    }

    /**
     * Acknowledge, unbatched and uncounted, pending entries of {@code p} that are gone from the stream (trimmed under a
     * maximum length, which retention counted already): fenced like any other acknowledgement.
     *
     * @return a {@code Mono} emitting how many were acknowledged, or -1 if refused by the fence
     */
    Mono<Long> ackGone(RedisClusterReactiveCommands<String, String> redis, int p, String token, List<String> ids) {
        return script(redis, p, token, false, ids);
    }

    private void drain() {
        if (!flushing.compareAndSet(false, true)) {
            return;
        }
        List<Waiter> batch = new ArrayList<>();
        for (Waiter next; batch.size() < MAX_BATCH && (next = queue.poll()) != null; ) {
            batch.add(next);
        }
        if (batch.isEmpty()) {
            flushing.set(false);
            if (!queue.isEmpty()) {
                drain();
            }
            return;
        }
        send(batch)
                .doFinally(signal -> {
                    flushing.set(false);
                    drain();
                })
                .subscribe(
                        ignored -> {},
                        e -> log.error("Acknowledgement batch of subscriber '{}' failed unexpectedly", group, e));
    }

    /** Send one batch; every waiter learns its own outcome, so the returned {@code Mono} does not error. */
    private Mono<Void> send(List<Waiter> batch) {
        Map<String, List<Waiter>> byLease = new LinkedHashMap<>();
        for (Waiter waiter : batch) {
            byLease.computeIfAbsent(waiter.partition() + "/" + waiter.token(), k -> new ArrayList<>())
                    .add(waiter);
        }
        return commands.flatMapMany(redis -> Flux.fromIterable(byLease.values()).flatMap(waiters -> {
                    Waiter first = waiters.get(0);
                    List<String> ids = waiters.stream().map(Waiter::id).toList();
                    return script(redis, first.partition(), first.token(), true, ids)
                            .doOnNext(acked -> waiters.forEach(w -> w.done().tryEmitValue(acked >= 0)))
                            .doOnError(e -> waiters.forEach(w -> w.done().tryEmitError(e)))
                            .onErrorResume(e -> Mono.empty());
                }))
                .doOnError(e -> batch.forEach(w -> w.done().tryEmitError(e)))
                .onErrorResume(e -> Mono.empty())
                .then();
    }

    private Mono<Long> script(
            RedisClusterReactiveCommands<String, String> redis, int p, String token, boolean count, List<String> ids) {
        String[] args = new String[3 + ids.size()];
        args[0] = group;
        args[1] = token;
        args[2] = count ? "1" : "0";
        for (int i = 0; i < ids.size(); i++) {
            args[3 + i] = ids.get(i);
        }
        return ConsumerScripts.ACK
                .<Long>run(
                        redis,
                        ScriptOutputType.INTEGER,
                        new String[] {keys.stream(p), keys.lease(p, group), keys.audit(p)},
                        args)
                .next()
                .defaultIfEmpty(0L);
    }

    /** One queued acknowledgement and who waits for its outcome. */
    private record Waiter(int partition, String token, String id, Sinks.One<Boolean> done) {}
}
