package dev.sluice.bus;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * A test aid (the seeds' "event spy"): wraps a subscriber's handler and records every event it was called with
 * (every attempt, retries included) and every handler call that succeeded or failed, so users' tests can assert what
 * a subscriber received without sleeping. Thread-safe.
 *
 * <pre>{@code
 * EventSpy<Order> spy = EventSpy.create();
 * bus.subscribe(SubscriberSpec.builder("email", ORDER_PLACED, spy.wrap(event -> mailer.send(event))).build());
 * StepVerifier.create(bus.publish(ORDER_PLACED, order).then(spy.awaitCalls(1, Duration.ofSeconds(5))))
 *         .verifyComplete();
 * }</pre>
 *
 * @param <T> the payload type
 */
public final class EventSpy<T> {

    private final List<Event<T>> calls = new CopyOnWriteArrayList<>();
    private final List<Event<T>> successes = new CopyOnWriteArrayList<>();
    private final List<Throwable> failures = new CopyOnWriteArrayList<>();

    private EventSpy() {}

    /** Return a new, empty spy. */
    public static <T> EventSpy<T> create() {
        return new EventSpy<>();
    }

    /** Return {@code handler} wrapped so that each call, success and failure is recorded. */
    public Function<Event<T>, Publisher<?>> wrap(Function<? super Event<T>, ? extends @Nullable Publisher<?>> handler) {
        Objects.requireNonNull(handler, "handler");
        return event -> {
            calls.add(event);
            Publisher<?> result;
            try {
                result = handler.apply(event);
            } catch (RuntimeException error) {
                failures.add(error);
                throw error;
            }
            if (result == null) {
                failures.add(new NullPointerException("handler returned null"));
                return null;
            }
            return Flux.from(result).doOnComplete(() -> successes.add(event)).doOnError(failures::add);
        };
    }

    /** Return a handler that only records (and succeeds at once). */
    public Function<Event<T>, Publisher<?>> recorder() {
        return wrap(event -> Mono.empty());
    }

    /** Return every event the handler was called with, in call order (retries appear again). */
    public List<Event<T>> calls() {
        return List.copyOf(calls);
    }

    /** Return the payloads of {@link #calls()}. */
    public List<T> payloads() {
        return calls.stream().map(Event::payload).toList();
    }

    /** Return the events whose handler call completed. */
    public List<Event<T>> successes() {
        return List.copyOf(successes);
    }

    /** Return the errors of failed handler calls. */
    public List<Throwable> failures() {
        return List.copyOf(failures);
    }

    /**
     * Wait, without a thread, until the handler was called at least {@code count} times.
     *
     * @return a {@code Mono} that completes then, or signals {@link java.util.concurrent.TimeoutException} after
     *     {@code timeout}
     */
    public Mono<Void> awaitCalls(int count, Duration timeout) {
        return Flux.interval(Duration.ZERO, Duration.ofMillis(1), Schedulers.parallel())
                .filter(tick -> calls.size() >= count)
                .next()
                .timeout(timeout)
                .then();
    }
}
