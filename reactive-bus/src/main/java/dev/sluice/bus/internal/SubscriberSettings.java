package dev.sluice.bus.internal;

import dev.sluice.bus.BreakerOpenPolicy;
import dev.sluice.bus.Event;
import dev.sluice.bus.EventType;
import dev.sluice.bus.OverflowPolicy;
import dev.sluice.bus.RedrivePolicy;
import dev.sluice.bus.StartPosition;
import dev.sluice.policy.Failure;
import dev.sluice.policy.ResiliencePolicy;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import java.time.Duration;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;

/**
 * One subscriber's settings, defaults already resolved: what a {@code SubscriberSpec} holds and what its worker reads.
 * The spec's builder validates every value; this record only carries them. Immutable.
 *
 * @param name the subscriber's name, unique on its bus
 * @param type the event type it handles
 * @param handler the handler; its publisher's completion means success
 * @param policy the policy chain each event runs under (carries no fallback of its own)
 * @param fallback the subscriber's fallback, or null for none
 * @param concurrency the most events handled at once, {@code >= 1}
 * @param orderedByKey whether events of one key are handled one at a time, in order
 * @param inboxSize the inbox capacity, {@code >= 1}
 * @param overflow what a publish does when the inbox is full
 * @param maxPublishWait the longest a publish waits for room in a {@code BACKPRESSURE} inbox
 * @param onBreakerOpen what happens while the breaker is open
 * @param disposeGrace the grace in-flight handlers get on dispose
 * @param pacing the token bucket on inbox demand, or null for none
 * @param redrive the scheduled redrive, or null for manual redrive only
 * @param startFrom where a durable subscriber's consumer group starts when it is first created
 * @param deliveryLimit how many deliveries of a durable entry may end in no outcome before it becomes a {@code
 *     DELIVERY_LIMIT} letter
 * @param <T> the payload type
 */
public record SubscriberSettings<T>(
        String name,
        EventType<T> type,
        Function<? super Event<T>, ? extends @Nullable Publisher<?>> handler,
        ResiliencePolicy policy,
        @Nullable BiFunction<? super Event<T>, Failure, ? extends Publisher<?>> fallback,
        int concurrency,
        boolean orderedByKey,
        int inboxSize,
        OverflowPolicy overflow,
        Duration maxPublishWait,
        BreakerOpenPolicy onBreakerOpen,
        Duration disposeGrace,
        @Nullable RateLimiterConfig pacing,
        @Nullable RedrivePolicy redrive,
        StartPosition startFrom,
        int deliveryLimit) {

    /** Return whether the subscriber's type is durable: its events come from the bus's transport, not an inbox. */
    boolean durable() {
        return type.durability() != null;
    }

    /** Return whether a full inbox dead-letters the event at once instead of making the publish wait. */
    boolean deadLetterOnOverflow() {
        return overflow == OverflowPolicy.DEAD_LETTER;
    }

    /**
     * Return whether this subscriber handles system events: best effort, it drops what its full inbox cannot take,
     * and its failures produce no further system events.
     */
    boolean bestEffort() {
        return type.name().startsWith("sluice.");
    }
}
