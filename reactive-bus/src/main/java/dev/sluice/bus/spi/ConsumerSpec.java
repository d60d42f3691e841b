package dev.sluice.bus.spi;

import dev.sluice.bus.EventType;
import dev.sluice.bus.StartPosition;
import dev.sluice.policy.Durations;
import java.time.Duration;
import java.util.Objects;

/**
 * What a transport needs to know of one durable subscriber. Immutable.
 *
 * @param subscriber the subscriber's name: its consumer group's name
 * @param type the durable event type it handles
 * @param start where its group starts reading when it is first created
 * @param worstCaseAttempt the longest one event's handling can take under the subscriber's policy (every attempt, every
 *     backoff, the fallback excluded): a new owner of a partition taken over from a dead instance waits out the old
 *     lease plus this before it starts a handler, so the old owner's last handler has ended (docs/DESIGN.md, "Durable
 *     types")
 * @param <T> the payload type
 */
public record ConsumerSpec<T>(String subscriber, EventType<T> type, StartPosition start, Duration worstCaseAttempt) {

    /**
     * Create a spec.
     *
     * @throws NullPointerException if a component is null
     * @throws IllegalArgumentException if {@code type} is not durable or {@code worstCaseAttempt} is not positive
     */
    public ConsumerSpec {
        Objects.requireNonNull(subscriber, "subscriber");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(start, "start");
        Durations.requirePositive("worstCaseAttempt", worstCaseAttempt);
        if (type.durability() == null) {
            throw new IllegalArgumentException("event type '" + type.name() + "' is not durable");
        }
    }
}
