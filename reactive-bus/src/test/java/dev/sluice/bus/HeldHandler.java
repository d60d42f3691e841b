package dev.sluice.bus;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Sinks;

/**
 * A handler whose calls hang until the test releases them, one by one, in call order; it counts calls and how many
 * run at once, so tests can see what the worker took and when, without sleeping.
 */
final class HeldHandler<T> implements Function<Event<T>, Publisher<?>> {

    private final List<Sinks.Empty<Void>> held = new CopyOnWriteArrayList<>();
    private final List<T> started = new CopyOnWriteArrayList<>();
    private final List<T> finished = new CopyOnWriteArrayList<>();
    private final AtomicInteger active = new AtomicInteger();
    private final AtomicInteger maxActive = new AtomicInteger();
    private int released;

    @Override
    public Publisher<?> apply(Event<T> event) {
        Sinks.Empty<Void> release = Sinks.empty();
        held.add(release);
        started.add(event.payload());
        maxActive.accumulateAndGet(active.incrementAndGet(), Math::max);
        // counted as ended before the completion travels on (doFinally would run after the bus started the next one)
        return release.asMono()
                .doOnSuccess(ok -> finished.add(event.payload()))
                .doOnTerminate(active::decrementAndGet)
                .doOnCancel(active::decrementAndGet);
    }

    /** Let the oldest held call complete. */
    void releaseNext() {
        held.get(released++).tryEmitEmpty();
    }

    /** Let every held call complete, including calls that start while releasing (the worker takes the next event). */
    void releaseAll() {
        while (released < held.size()) {
            releaseNext();
        }
    }

    /** Return the payloads the handler was called with, in call order. */
    List<T> started() {
        return started;
    }

    /** Return the payloads whose calls completed, in completion order. */
    List<T> finished() {
        return finished;
    }

    /** Return how many calls are running now. */
    int active() {
        return active.get();
    }

    /** Return the most calls that ran at once. */
    int maxActive() {
        return maxActive.get();
    }
}
