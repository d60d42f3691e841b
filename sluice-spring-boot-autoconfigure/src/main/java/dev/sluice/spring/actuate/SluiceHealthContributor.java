package dev.sluice.spring.actuate;

import dev.sluice.bus.DeadLetterStore;
import dev.sluice.bus.SubscriberHealth;
import dev.sluice.spring.SluiceLifecycle;
import dev.sluice.spring.SluiceSubscriber;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.util.Objects;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.health.contributor.CompositeReactiveHealthContributor;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.ReactiveHealthContributor;
import org.springframework.boot.health.contributor.ReactiveHealthIndicator;
import org.springframework.boot.health.contributor.Status;
import reactor.core.publisher.Mono;

/**
 * The {@code sluice} health contributor: one component per subscriber (named like it) plus {@value #STORE} for the
 * dead-letter store, read from the bus's own health without blocking or I/O.
 *
 * <p>A subscriber whose breaker is open is {@link #CIRCUIT_OPEN} (mapped to HTTP 200: the application serves, the
 * subscriber waits with backpressure, docs/DESIGN.md promise 6), or {@code DOWN} when {@code
 * sluice.health.breaker-open-down=true}; any other state, even {@code UNHEALTHY} for a refusing store, is {@code UP}
 * with the bus's status and reason as details, because only the store itself refusing letters is {@code DOWN}: the
 * store's component is {@code DOWN} when it refuses writes, {@code UP} with status {@code DEGRADED} in its details
 * while it journals. Never add {@code sluice} to the liveness group: restarting an instance does not heal a
 * downstream outage.
 */
public final class SluiceHealthContributor implements CompositeReactiveHealthContributor {

    /** The status of a subscriber whose circuit breaker is open. */
    public static final Status CIRCUIT_OPEN = new Status("CIRCUIT_OPEN", "a subscriber's circuit breaker is open");
    /** The name of the store's component. */
    public static final String STORE = "deadLetterStore";

    private final SluiceLifecycle lifecycle;
    private final DeadLetterStore store;
    private final boolean breakerOpenDown;

    /**
     * Create the contributor.
     *
     * @param lifecycle where the subscribers are
     * @param store the dead-letter store
     * @param breakerOpenDown report an open breaker as {@code DOWN}
     */
    public SluiceHealthContributor(SluiceLifecycle lifecycle, DeadLetterStore store, boolean breakerOpenDown) {
        this.lifecycle = Objects.requireNonNull(lifecycle, "lifecycle");
        this.store = Objects.requireNonNull(store, "store");
        this.breakerOpenDown = breakerOpenDown;
    }

    @Override
    public @Nullable ReactiveHealthContributor getContributor(String name) {
        if (STORE.equals(name)) {
            return storeIndicator();
        }
        return lifecycle.subscriber(name).map(this::indicator).orElse(null);
    }

    @Override
    public Stream<Entry> stream() {
        Stream<Entry> subscribers = lifecycle.subscribers().stream().map(s -> new Entry(s.name(), indicator(s)));
        return Stream.concat(subscribers, Stream.of(new Entry(STORE, storeIndicator())));
    }

    private ReactiveHealthIndicator storeIndicator() {
        return () -> Mono.fromSupplier(() -> {
            DeadLetterStore.StoreHealth health = store.health();
            Health.Builder b = health.status() == DeadLetterStore.StoreHealth.Status.DOWN ? Health.down() : Health.up();
            return b.withDetail("status", health.status().name())
                    .withDetail("reason", health.reason())
                    .build();
        });
    }

    private ReactiveHealthIndicator indicator(SluiceSubscriber subscriber) {
        return () -> Mono.fromSupplier(() -> health(subscriber));
    }

    private Health health(SluiceSubscriber subscriber) {
        SubscriberHealth health = subscriber.handle().health();
        CircuitBreaker breaker = subscriber.policy().circuitBreaker();
        CircuitBreaker.State state = breaker == null ? null : breaker.getState();
        boolean open = state == CircuitBreaker.State.OPEN || state == CircuitBreaker.State.FORCED_OPEN;
        Health.Builder b;
        if (open) {
            b = breakerOpenDown ? Health.down() : Health.status(CIRCUIT_OPEN);
        } else {
            b = Health.up();
        }
        b.withDetail("status", health.status().name())
                .withDetail("reason", health.reason())
                .withDetail("eventType", subscriber.eventType());
        if (state != null) {
            b.withDetail("breaker", state.name());
        }
        return b.build();
    }
}
