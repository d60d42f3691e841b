package dev.sluice.bus.internal;

import dev.sluice.bus.BusClosedException;
import dev.sluice.bus.DeadLetterReason;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A bus's life: open, then closed for good (docs/DESIGN.md promise 7). Tracks every subscriber not yet terminated,
 * including those being disposed, so that closing waits for them all. Thread-safe.
 */
public final class Lifecycle {

    private static final Logger log = LoggerFactory.getLogger(Lifecycle.class);

    private final String instance;
    private final Set<BusWorker> live = ConcurrentHashMap.newKeySet();
    private final AtomicReference<@Nullable Mono<Void>> closing = new AtomicReference<>();
    private volatile boolean closed;

    /** Create the lifecycle of bus instance {@code instance}, open. */
    public Lifecycle(String instance) {
        this.instance = instance;
    }

    /** Return whether the bus is closing or closed. */
    boolean closed() {
        return closed;
    }

    /** Return the error that publishing to, or subscribing on, a closed bus signals. */
    BusClosedException closedError() {
        return new BusClosedException(instance);
    }

    /** Keep {@code worker} until it has terminated: close waits for it. */
    void track(BusWorker worker) {
        live.add(worker);
        worker.terminated().subscribe(null, null, () -> live.remove(worker));
    }

    /**
     * Stop accepting publishes and subscribers, let every subscriber drain its inbox, and dead-letter ({@code
     * SHUTDOWN}) whatever has not finished within {@code timeout}. Eager and idempotent: later calls return the first
     * call's {@code Mono}.
     *
     * @return a {@code Mono} that completes when every event ever offered has an outcome
     */
    public Mono<Void> close(Duration timeout) {
        Mono<Void> existing = closing.get();
        if (existing != null) {
            return existing;
        }
        closed = true;
        Mono<Void> done = Flux.fromIterable(List.copyOf(live))
                .flatMap(worker -> worker.shutdown(timeout, DeadLetterReason.SHUTDOWN, false))
                .then()
                .cache();
        if (!closing.compareAndSet(null, done)) {
            return Objects.requireNonNull(closing.get());
        }
        // start now; callers see the outcome through the cached Mono (shutdown logs its own failures)
        done.subscribe(null, error -> log.error("Closing event bus '{}' failed", instance, error));
        return done;
    }
}
