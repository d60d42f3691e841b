package dev.sluice.bus.internal;

import dev.sluice.bus.DeadLetterReason;
import dev.sluice.bus.Event;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;

/**
 * A subscriber's shutdown (docs/DESIGN.md promise 7), for dispose ({@code UNSUBSCRIBED}: take nothing more, let
 * in-flight handlers finish within the grace) and for the bus's close ({@code SHUTDOWN}: keep draining the inbox within
 * the timeout): then cancel what still runs and dead-letter the rest. Runs once, eagerly, whoever asks first; every
 * caller gets the same {@code Mono}. Its timers run on the bus scheduler; the step that cancels runs on the drainer.
 */
final class Shutdown<T> {

    private static final Logger log = LoggerFactory.getLogger(Shutdown.class);
    /** How often shutdown looks whether handlers and late publishes have settled and whether the grace is over. */
    private static final Duration POLL = Duration.ofMillis(5);

    private final SubscriberWorker<T> worker;
    private final AtomicBoolean begun = new AtomicBoolean();
    private final Sinks.Empty<Void> terminated = Sinks.empty();
    private volatile DeadLetterReason closingReason = DeadLetterReason.UNSUBSCRIBED;
    private volatile boolean halted; // cancelling the handlers: start no event waiting for its key
    private volatile boolean sealed; // every event has an outcome: a late publish takes its event back

    Shutdown(SubscriberWorker<T> worker) {
        this.worker = worker;
    }

    /** Return the reason for events that arrive after shutdown began (a publish racing it). */
    DeadLetterReason closingReason() {
        return closingReason;
    }

    /** Return whether shutdown is cancelling the handlers: an event waiting for its key must not start. */
    boolean halted() {
        return halted;
    }

    /** Return whether shutdown has seen no event in flight: from now on the worker takes no event. */
    boolean sealed() {
        return sealed;
    }

    /** Return a {@code Mono} that completes once shutdown finished and every event has an outcome. */
    Mono<Void> terminated() {
        return terminated.asMono();
    }

    /**
     * Begin shutting down unless it began already: take no new events, let in-flight handlers finish within {@code
     * grace} (if not {@code stopTaking}, keep draining the inbox too), then cancel and dead-letter the rest with
     * {@code reason}.
     *
     * @return a {@code Mono} that completes once every event has an outcome
     */
    Mono<Void> begin(Duration grace, DeadLetterReason reason, boolean stopTaking) {
        if (begun.compareAndSet(false, true)) {
            run(grace, reason, stopTaking);
        }
        return terminated.asMono();
    }

    // Eager: runs whether or not anyone subscribes to the returned Mono, and every caller gets the same outcome.
    private void run(Duration grace, DeadLetterReason reason, boolean stopTaking) {
        closingReason = reason;
        worker.leave();
        Inbox<Event<T>> inbox = worker.inbox;
        inbox.close();
        if (stopTaking) {
            worker.gate.stop();
        }
        var scheduler = worker.bus.scheduler();
        // The grace ends when a poll sees the clock past the deadline, not on one timer signal: with a hanging handler
        // a settled.timeout(grace) sometimes never fired, and dispose hung for ever (see SubscribeDisposeRaceTest).
        long deadline = deadline(scheduler.now(TimeUnit.MILLISECONDS), grace);
        BooleanSupplier graceOver = () -> scheduler.now(TimeUnit.MILLISECONDS) >= deadline;
        Mono<Void> settled = stopTaking
                ? poll(scheduler, () -> worker.reader.handling() == 0 || graceOver.getAsBoolean())
                : worker.reader.finished().or(poll(scheduler, graceOver));
        settled.then(onDrainer(() -> {
                    // on the drainer, so no drain loop is half-way through handing an event to the worker
                    worker.gate.stop();
                    halted = true;
                    worker.stopReading(); // cancels in-flight handlers; each dead-letters itself
                    return inbox.takeRemaining();
                }))
                .flatMapMany(Flux::fromIterable)
                .flatMap(event -> worker.letters.deadLetterNow(event, reason))
                .then(Flux.interval(POLL, scheduler)
                        // a publish that passed the inbox's closed check just before close() may enqueue late
                        .doOnNext(tick -> inbox.takeRemaining().forEach(event -> worker.letters
                                .deadLetterNow(event, reason)
                                .subscribe()))
                        .filter(tick -> {
                            sealed = true; // from now on a late publish takes its event back (see accept)
                            return worker.counters.inFlight.sum() == 0;
                        })
                        .next()
                        .then())
                .doFinally(signal -> {
                    worker.drainer.dispose();
                    terminated.tryEmitEmpty();
                })
                .subscribe(null, error -> log.error("Subscriber '{}' failed to shut down", worker.name(), error));
    }

    private static Mono<Void> poll(Scheduler scheduler, BooleanSupplier done) {
        return Flux.interval(POLL, scheduler)
                .filter(tick -> done.getAsBoolean())
                .next()
                .then();
    }

    private static long deadline(long nowMillis, Duration grace) {
        try {
            return Math.addExact(nowMillis, grace.toMillis());
        } catch (ArithmeticException forever) {
            return Long.MAX_VALUE;
        }
    }

    private Mono<List<Event<T>>> onDrainer(Supplier<List<Event<T>>> action) {
        return Mono.create(sink -> {
            Runnable task = () -> {
                try {
                    sink.success(action.get());
                } catch (RuntimeException error) {
                    sink.error(error);
                }
            };
            try {
                worker.drainer.schedule(task);
            } catch (RejectedExecutionException disposed) {
                task.run();
            }
        });
    }
}
