package dev.sluice.bus.internal;

import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.CoreSubscriber;
import reactor.core.Exceptions;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Operators;

/**
 * One call of a subscriber's handler as a {@code Mono} that completes when the handler's publisher completes (its
 * values ignored). Each subscription calls the handler again, so the policy's retries re-run it. A handler that throws
 * or returns null signals an error instead of throwing from {@code subscribe}.
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

    @Override
    @SuppressWarnings("unchecked")
    public void subscribe(CoreSubscriber<? super Void> actual) {
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
        Mono.ignoreElements((Publisher<Object>) result).subscribe((CoreSubscriber<Object>) (CoreSubscriber<?>) actual);
    }
}
