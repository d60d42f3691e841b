package dev.sluice.spring;

import dev.sluice.bus.SubscriberHandle;
import dev.sluice.policy.ResiliencePolicy;
import java.util.Objects;

/**
 * A subscriber the starter put on the bus, from a {@link SluiceListener} method or a {@code SubscriberSpec} bean:
 * for the health contributor and the {@code sluice} endpoint.
 *
 * @param name the subscriber's name
 * @param eventType the event type's name
 * @param handle its handle on the bus
 * @param policy its policy (whose breaker, if any, the health contributor reads)
 */
public record SluiceSubscriber(String name, String eventType, SubscriberHandle handle, ResiliencePolicy policy) {

    /** Validate. */
    public SluiceSubscriber {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(eventType, "eventType");
        Objects.requireNonNull(handle, "handle");
        Objects.requireNonNull(policy, "policy");
    }
}
