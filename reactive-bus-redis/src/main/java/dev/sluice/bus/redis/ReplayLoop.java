package dev.sluice.bus.redis;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The store's background loop, one round every replay interval on {@code Schedulers.parallel()}: replay the journal
 * into Redis if it holds letters (the first round first counts what an earlier run left), or check with {@code PING}
 * whether an unreachable Redis is back; then sample the stored-letter gauges. A round that fails is retried in the
 * next one; rounds never overlap.
 */
final class ReplayLoop {

    private static final Logger log = LoggerFactory.getLogger(ReplayLoop.class);
    private static final int REPLAY_CONCURRENCY = 64;

    private final Journal journal;
    private final LetterWriter writer;
    private final RedisConnection redis;
    private final RedisStatus status;
    private final Subscribers subscribers;
    private final Duration interval;

    ReplayLoop(
            Journal journal,
            LetterWriter writer,
            RedisConnection redis,
            RedisStatus status,
            Subscribers subscribers,
            Duration interval) {
        this.journal = journal;
        this.writer = writer;
        this.redis = redis;
        this.status = status;
        this.subscribers = subscribers;
        this.interval = interval;
    }

    /** Start the loop; dispose the result to stop it (a journal not yet replayed stays for the next start). */
    Disposable start() {
        return Flux.interval(Duration.ZERO, interval, Schedulers.parallel())
                .onBackpressureDrop()
                .concatMap(tick -> round(tick == 0), 1)
                .subscribe();
    }

    private Mono<Void> round(boolean first) {
        Mono<Void> replay = first ? journal.recover().then(replay()) : replay();
        return replay.onErrorResume(e -> {
                    log.debug("Dead-letter journal replay stopped; it resumes in {}", interval, e);
                    return Mono.empty();
                })
                .then(subscribers.sample(redis))
                .onErrorResume(e -> Mono.empty());
    }

    private Mono<Void> replay() {
        if (journal.letters() == 0) {
            // nothing to replay; if Redis was unreachable, find out whether it is back
            return status.problem() == null
                    ? Mono.empty()
                    : redis.commands()
                            .flatMap(StoreCommands::ping)
                            .doOnNext(pong -> status.answered())
                            .then();
        }
        return journal.rotate()
                .flatMapMany(Flux::fromIterable)
                .concatMap(this::replay)
                .then();
    }

    private Mono<Void> replay(Path file) {
        AtomicLong lines = new AtomicLong();
        AtomicLong skipped = new AtomicLong();
        // the first Redis failure stops reading; writes already sent finish (none of their errors is dropped)
        AtomicReference<@Nullable Throwable> failure = new AtomicReference<>();
        return journal.lines(file)
                .takeWhile(line -> failure.get() == null)
                .doOnNext(line -> lines.incrementAndGet())
                .flatMap(
                        line -> {
                            JournalRecord record;
                            try {
                                record = JournalRecord.parse(line);
                            } catch (IllegalArgumentException e) {
                                // a line torn by a crash mid-append was never acknowledged as durable
                                skipped.incrementAndGet();
                                log.warn(
                                        "Skipping an unreadable line of dead-letter journal {}: {}",
                                        file,
                                        e.getMessage());
                                return Mono.empty();
                            }
                            return writer.writeToRedis(record).onErrorResume(e -> {
                                failure.compareAndSet(null, e);
                                return Mono.empty();
                            });
                        },
                        REPLAY_CONCURRENCY)
                .then(Mono.defer(() -> {
                    Throwable failed = failure.get();
                    if (failed != null) {
                        status.unreachable(failed);
                        return Mono.error(failed); // the file stays for the next round; replaying it again is harmless
                    }
                    log.info(
                            "Replayed {} dead letters from journal {} into Redis ({} unreadable lines skipped)",
                            lines.get() - skipped.get(),
                            file,
                            skipped.get());
                    return journal.delete(file, lines.get());
                }));
    }
}
