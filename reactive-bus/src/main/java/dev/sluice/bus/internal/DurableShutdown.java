package dev.sluice.bus.internal;

import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;

/**
 * A durable subscriber's shutdown, for dispose and for the bus's close alike (docs/DESIGN.md promise 7 and "Durable
 * types"): stop reading and starting entries (what waits is released at once), let in-flight handlers and their
 * acknowledgements finish within the grace, then cancel and release the rest — never a {@code SHUTDOWN} or {@code
 * UNSUBSCRIBED} letter: a released entry stays pending for the partition's next owner — and close the consumer, which
 * releases this instance's partition leases so that others take over at once. Runs once, eagerly, whoever asks first;
 * every caller gets the same {@code Mono}. Polls every 5 ms on the bus scheduler, as {@link Shutdown} does.
 */
final class DurableShutdown<T> {

    private static final Logger log = LoggerFactory.getLogger(DurableShutdown.class);
    private static final Duration POLL = Duration.ofMillis(5);

    private final DurableWorker<T> worker;
    private final AtomicBoolean begun = new AtomicBoolean();
    private final Sinks.Empty<Void> terminated = Sinks.empty();

    DurableShutdown(DurableWorker<T> worker) {
        this.worker = worker;
    }

    /** Return a {@code Mono} that completes once shutdown finished: every entry read is settled, the consumer closed. */
    Mono<Void> terminated() {
        return terminated.asMono();
    }

    /**
     * Begin shutting down unless it began already, giving in-flight entries {@code grace}.
     *
     * @return a {@code Mono} that completes once every entry read was acknowledged or released and the consumer closed
     */
    Mono<Void> begin(Duration grace) {
        if (begun.compareAndSet(false, true)) {
            run(grace);
        }
        return terminated.asMono();
    }

    private void run(Duration grace) {
        worker.leave();
        DurableFeed<T> feed = worker.feed;
        feed.stop();
        Scheduler scheduler = worker.bus.scheduler();
        long deadline = deadline(scheduler.now(TimeUnit.MILLISECONDS), grace);
        poll(scheduler, () -> feed.idle() || scheduler.now(TimeUnit.MILLISECONDS) >= deadline)
                .then(onDrainer(() -> {
                    feed.halt(); // cancels what still runs: each entry releases itself
                    worker.settlement.halt(); // acknowledgements still on their way: released
                }))
                .then(poll(scheduler, () -> feed.idle() && worker.counters.inFlight.sum() == 0))
                .then(Mono.defer(worker.consumer::close).onErrorResume(error -> {
                    log.warn("Subscriber '{}': closing its consumer failed", worker.name(), error);
                    return Mono.empty();
                }))
                .doFinally(signal -> {
                    worker.drainer.dispose();
                    terminated.tryEmitEmpty();
                })
                .subscribe(null, error -> log.error("Subscriber '{}' failed to shut down", worker.name(), error));
    }

    private static Mono<Void> poll(Scheduler scheduler, BooleanSupplier done) {
        return Flux.interval(Duration.ZERO, POLL, scheduler)
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

    private Mono<Void> onDrainer(Runnable action) {
        return Mono.create(sink -> {
            Runnable task = () -> {
                try {
                    action.run();
                    sink.success();
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
