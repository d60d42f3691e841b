package dev.sluice.spring.internal;

import dev.sluice.bus.Event;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * One checked {@code @SluiceListener} method on its bean, and the handler that calls it.
 *
 * @param bean the bean (a proxy if the bean is proxied)
 * @param method the method to invoke on {@code bean}
 * @param subscriber the subscriber's name
 * @param type the event type's name
 * @param payloadType the payload class the method takes
 * @param takesEvent whether the parameter is the {@code Event<T>} envelope (else the payload)
 * @param blocking whether the method returns {@code void} (so it runs on {@code boundedElastic})
 */
record ListenerMethod(
        Object bean,
        Method method,
        String subscriber,
        String type,
        Class<?> payloadType,
        boolean takesEvent,
        boolean blocking) {

    /** Return the method as people read it in a message: {@code com.acme.Inventory#reserve(OrderPlaced)}. */
    String describe() {
        return describe(method);
    }

    static String describe(Method method) {
        StringBuilder s = new StringBuilder(method.getDeclaringClass().getName())
                .append('#')
                .append(method.getName())
                .append('(');
        Class<?>[] params = method.getParameterTypes();
        for (int i = 0; i < params.length; i++) {
            s.append(i == 0 ? "" : ", ").append(params[i].getSimpleName());
        }
        return s.append(')').toString();
    }

    /** Return the handler: invoke the method with the event (or its payload) and return what it signals. */
    <T> Function<Event<T>, @Nullable Publisher<?>> handler() {
        if (blocking) {
            // a void listener may block: never on a Reactor or Netty thread
            return event -> Mono.fromRunnable(() -> invokeOrThrow(event)).subscribeOn(Schedulers.boundedElastic());
        }
        return event -> {
            try {
                return (Publisher<?>) method.invoke(bean, argument(event));
            } catch (InvocationTargetException e) {
                // the listener's own exception, unwrapped, so the policy's classifier sees it (IOException: retry)
                return Mono.error(e.getTargetException());
            } catch (IllegalAccessException e) {
                return Mono.error(e);
            }
        };
    }

    private void invokeOrThrow(Event<?> event) {
        try {
            method.invoke(bean, argument(event));
        } catch (InvocationTargetException e) {
            Throwable target = e.getTargetException();
            if (target instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (target instanceof Error error) {
                throw error;
            }
            throw new ListenerFailedException(describe(), target);
        } catch (IllegalAccessException e) {
            throw new ListenerFailedException(describe(), e);
        }
    }

    private Object argument(Event<?> event) {
        return takesEvent ? event : event.payload();
    }

    /** A checked exception of a {@code void} listener, carried as the attempt's failure (its cause is the error). */
    static final class ListenerFailedException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        ListenerFailedException(String method, Throwable cause) {
            super("listener " + method + " failed: " + cause, cause);
        }
    }
}
