package dev.sluice.bus.internal;

import dev.sluice.bus.Event;
import dev.sluice.policy.Failure;
import io.micrometer.context.ContextSnapshot;
import io.micrometer.observation.Observation;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.Exceptions;
import reactor.core.Fuseable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Operators;
import reactor.util.context.Context;

/**
 * One call of a subscriber's handler as a {@code Mono} that completes when the handler's publisher completes (its
 * values ignored). Each subscription calls the handler again, so the policy's retries re-run it. A handler that throws
 * or returns null signals an error instead of throwing from {@code subscribe}. The handler's publisher is subscribed
 * by a small subscriber that passes on only completion and errors, and requests everything; a constant one ({@code
 * Mono.empty()}, {@code Mono.just(x)}), the usual result of a handler that finished at once, is not subscribed at all.
 * The worker's per-event object calls {@link #call} itself rather than allocating one of these per event.
 *
 * <p>The handler (and the fallback) is called, and its publisher subscribed, in its event's {@link HandlerContext}:
 * the captured thread locals set for the call, the publisher's Reactor {@code Context} built only if the publisher
 * asks for it.
 */
final class HandlerCall<T> extends Mono<Void> {

    private final Function<? super Event<T>, ? extends @Nullable Publisher<?>> handler;
    private final Event<T> event;
    private final String subscriber;
    private final @Nullable Observation observation;

    HandlerCall(
            Function<? super Event<T>, ? extends @Nullable Publisher<?>> handler,
            Event<T> event,
            String subscriber,
            @Nullable Observation observation) {
        this.handler = handler;
        this.event = event;
        this.subscriber = subscriber;
        this.observation = observation;
    }

    /**
     * Return a {@code Mono} that calls {@code fallback} when subscribed and completes when its publisher completes
     * (values ignored); a fallback that throws or returns null signals that as an error instead.
     */
    static <T> Mono<Void> recovery(
            BiFunction<? super Event<T>, Failure, ? extends @Nullable Publisher<?>> fallback,
            Event<T> event,
            Failure failure,
            String subscriber,
            @Nullable Observation observation) {
        return new Mono<>() {
            @Override
            public void subscribe(CoreSubscriber<? super Void> actual) {
                try (ContextSnapshot.Scope restored = HandlerContext.open(event);
                        Observation.Scope current = HandlerContext.current(observation)) {
                    Publisher<?> recovery;
                    try {
                        recovery = fallback.apply(event, failure);
                    } catch (Throwable error) {
                        Exceptions.throwIfJvmFatal(error);
                        Operators.error(actual, error);
                        return;
                    }
                    complete(recovery, event, observation, "fallback", subscriber, actual);
                }
            }
        };
    }

    @Override
    public void subscribe(CoreSubscriber<? super Void> actual) {
        call(handler, event, subscriber, observation, actual);
    }

    /**
     * Call {@code handler} with {@code event}, {@code observation} (the handling's, or null) current, and signal its
     * completion or error to {@code actual}.
     */
    static <T> void call(
            Function<? super Event<T>, ? extends @Nullable Publisher<?>> handler,
            Event<T> event,
            String subscriber,
            @Nullable Observation observation,
            CoreSubscriber<? super Void> actual) {
        try (ContextSnapshot.Scope restored = HandlerContext.open(event);
                Observation.Scope current = HandlerContext.current(observation)) {
            Publisher<?> result;
            try {
                result = handler.apply(event);
            } catch (Throwable error) {
                Exceptions.throwIfJvmFatal(error);
                Operators.error(actual, error);
                return;
            }
            complete(result, event, observation, "handler", subscriber, actual);
        }
    }

    /** Signal {@code result}'s completion or error to {@code actual}, subscribing to it unless it is a constant. */
    private static void complete(
            @Nullable Publisher<?> result,
            Event<?> event,
            @Nullable Observation observation,
            String what,
            String subscriber,
            CoreSubscriber<? super Void> actual) {
        if (result == null) {
            Operators.error(
                    actual, new NullPointerException(what + " of subscriber '" + subscriber + "' returned null"));
            return;
        }
        if (result instanceof Fuseable.ScalarCallable<?> constant) {
            // Mono.empty(), Mono.just(x), Flux.empty()…: known at assembly, so complete without a subscriber of our own
            Object value;
            try {
                value = constant.call();
            } catch (Throwable error) { // Mono.error(e): call() throws e, or e wrapped if it is not an Exception
                Operators.error(actual, Exceptions.unwrap(error));
                return;
            }
            if (value != null) {
                Operators.onDiscard(value, actual.currentContext());
            }
            Operators.complete(actual);
            return;
        }
        result.subscribe(new Completion(actual, event, observation));
    }

    /** Ignores values, passes on the terminal signal; cancel and request go upstream. */
    private static final class Completion implements CoreSubscriber<Object>, Subscription {
        private final CoreSubscriber<? super Void> actual;
        private final Event<?> event;
        private final @Nullable Observation observation;
        private @Nullable Subscription upstream;
        // built when the handler's publisher first asks (most never do); a race builds equal contexts twice
        private @Nullable Context context;

        Completion(CoreSubscriber<? super Void> actual, Event<?> event, @Nullable Observation observation) {
            this.actual = actual;
            this.event = event;
            this.observation = observation;
        }

        @Override
        public Context currentContext() {
            Context built = context;
            if (built == null) {
                built = HandlerContext.of(actual.currentContext(), event, observation);
                context = built;
            }
            return built;
        }

        @Override
        public void onSubscribe(Subscription s) {
            if (Operators.validate(upstream, s)) {
                upstream = s;
                actual.onSubscribe(this);
                s.request(Long.MAX_VALUE);
            }
        }

        @Override
        public void onNext(Object value) {
            Operators.onDiscard(value, actual.currentContext());
        }

        @Override
        public void onError(Throwable error) {
            actual.onError(error);
        }

        @Override
        public void onComplete() {
            actual.onComplete();
        }

        @Override
        public void request(long n) {
            // values are ignored: everything was requested upstream already
        }

        @Override
        public void cancel() {
            Subscription s = upstream;
            if (s != null) {
                s.cancel();
            }
        }
    }
}
