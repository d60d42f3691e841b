package dev.sluice.bus.internal;

import dev.sluice.policy.Failure;
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
 */
final class HandlerCall<E> extends Mono<Void> {

    private final Function<? super E, ? extends @Nullable Publisher<?>> handler;
    private final E event;
    private final String subscriber;

    HandlerCall(Function<? super E, ? extends @Nullable Publisher<?>> handler, E event, String subscriber) {
        this.handler = handler;
        this.event = event;
        this.subscriber = subscriber;
    }

    /**
     * Return a {@code Mono} that calls {@code fallback} when subscribed and completes when its publisher completes
     * (values ignored); a fallback that throws or returns null signals that as an error instead.
     */
    static <E> Mono<Void> recovery(
            BiFunction<? super E, Failure, ? extends Publisher<?>> fallback,
            E event,
            Failure failure,
            String subscriber) {
        return Mono.defer(() -> {
            Publisher<?> recovery = fallback.apply(event, failure);
            if (recovery == null) {
                return Mono.error(
                        new NullPointerException("fallback of subscriber '" + subscriber + "' returned null"));
            }
            return Mono.ignoreElements(recovery).then();
        });
    }

    @Override
    public void subscribe(CoreSubscriber<? super Void> actual) {
        call(handler, event, subscriber, actual);
    }

    /** Call {@code handler} with {@code event} and signal its completion or error to {@code actual}. */
    static <E> void call(
            Function<? super E, ? extends @Nullable Publisher<?>> handler,
            E event,
            String subscriber,
            CoreSubscriber<? super Void> actual) {
        Publisher<?> result;
        try {
            result = handler.apply(event);
        } catch (Throwable error) {
            Exceptions.throwIfJvmFatal(error);
            Operators.error(actual, error);
            return;
        }
        if (result == null) {
            Operators.error(
                    actual, new NullPointerException("handler of subscriber '" + subscriber + "' returned null"));
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
        result.subscribe(new Completion(actual));
    }

    /** Ignores values, passes on the terminal signal; cancel and request go upstream. */
    private static final class Completion implements CoreSubscriber<Object>, Subscription {
        private final CoreSubscriber<? super Void> actual;
        private @Nullable Subscription upstream;

        Completion(CoreSubscriber<? super Void> actual) {
            this.actual = actual;
        }

        @Override
        public Context currentContext() {
            return actual.currentContext();
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
