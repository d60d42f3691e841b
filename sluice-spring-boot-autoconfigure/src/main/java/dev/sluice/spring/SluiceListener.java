package dev.sluice.spring;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a bean method as the handler of a subscriber on the auto-configured {@code EventBus}, e.g.
 *
 * <pre>{@code
 * @SluiceListener(subscriber = "inventory", type = "order.placed")
 * Mono<Void> reserve(OrderPlaced order) { ... }
 * }</pre>
 *
 * <p><b>Parameter</b>: exactly one, the payload {@code T} or the envelope {@code Event<T>}. The event type is the
 * {@code EventType} bean named {@link #type()} if there is one (with its key extractor and validator), else {@code
 * EventType.of(type, T)}; a bean of that name with another payload class fails startup.
 *
 * <p><b>Return</b>: a {@code Mono}, {@code Flux} or any {@code Publisher}, whose completion means the event was
 * handled (its values are ignored); or {@code void}: a {@code void} method is assumed to block, so each call runs on
 * {@code Schedulers.boundedElastic()} (never on a Reactor or Netty thread), and its return means success. Any other
 * return type, or another parameter list, fails startup naming the method.
 *
 * <p><b>Settings</b> come from {@code sluice.subscribers.<subscriber>.*} (policy, inbox, concurrency, ordering,
 * overflow, redrive delays; see {@link SluiceProperties.Subscriber}); ops can change them per environment without
 * code. A thrown exception, a null return or an error signal fails the attempt, which the subscriber's policy
 * retries or turns into a dead letter (docs/DESIGN.md, "One event's path").
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface SluiceListener {

    /** Return the subscriber's name, unique on the bus; the key under {@code sluice.subscribers}. */
    String subscriber();

    /** Return the event type's name, e.g. {@code order.placed}. */
    String type();
}
