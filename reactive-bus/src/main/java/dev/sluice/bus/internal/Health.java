package dev.sluice.bus.internal;

import dev.sluice.bus.DeadLetterStore;
import dev.sluice.bus.SubscriberHealth;
import dev.sluice.bus.SystemEvents;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.time.Duration;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;

/**
 * One subscriber's health ({@code HEALTHY} / {@code DEGRADED} / {@code UNHEALTHY} from the store refusing its letters,
 * its breaker, its inbox fill, its recent failure rate, the store's own health and, for a durable subscriber, its
 * transport consumer's) and the system events that report
 * on it: {@code sluice.subscriber.health-changed} and {@code sluice.circuit.state-changed}. Also the subscriber's view
 * of the store (docs/DESIGN.md promise 8): told when the store refuses its letters and when it accepts them again.
 * Thread-safe.
 */
final class Health implements BusContext.StoreState {

    private static final Logger log = LoggerFactory.getLogger(Health.class);

    /** How often a subscriber's health is re-evaluated (changes are published as system events). */
    static final Duration INTERVAL = Duration.ofSeconds(1);

    /** How full a subscriber's inbox is: its {@link Inbox}, or a durable subscriber's read-ahead. */
    interface Fill {
        /** Return how many events are held. */
        int size();

        /** Return how many may be held. */
        int capacity();

        /** Return whether the inbox is in overflow mode. */
        boolean overflowing();
    }

    private final SubscriberSettings<?> settings;
    private final BusContext bus;
    private final Fill inbox;
    private final @Nullable Supplier<SubscriberHealth> transport;
    private volatile boolean storeRefusing;
    private volatile SubscriberHealth last = SubscriberHealth.healthy();

    Health(SubscriberSettings<?> settings, BusContext bus, Fill inbox) {
        this(settings, bus, inbox, null);
    }

    /** Create the health of a durable subscriber, folding in {@code transport}: its consumer's health. */
    Health(SubscriberSettings<?> settings, BusContext bus, Fill inbox, @Nullable Supplier<SubscriberHealth> transport) {
        this.settings = settings;
        this.bus = bus;
        this.inbox = inbox;
        this.transport = transport;
    }

    /** Start re-evaluating every {@link #INTERVAL} and reporting breaker changes; returns what stops both. */
    Disposable watch() {
        Disposable.Composite watchers = Disposables.composite();
        CircuitBreaker breaker = settings.policy().circuitBreaker();
        if (breaker != null) {
            watchers.add(settings.policy().events().subscribe(change -> bus.system()
                    .publish(
                            SystemEvents.CIRCUIT_STATE_CHANGED,
                            new SystemEvents.CircuitStateChanged(
                                    settings.name(),
                                    change.policy(),
                                    change.from().name(),
                                    change.to().name(),
                                    change.at()))));
        }
        watchers.add(Flux.interval(INTERVAL, bus.scheduler()).subscribe(tick -> check()));
        return watchers;
    }

    /** Return whether the store is refusing this subscriber's letters now. */
    boolean storeRefusing() {
        return storeRefusing;
    }

    /** Return the subscriber's health now: the worse of its own and its transport consumer's. */
    SubscriberHealth now() {
        SubscriberHealth own = own();
        Supplier<SubscriberHealth> consumer = transport;
        if (consumer == null) {
            return own;
        }
        SubscriberHealth theirs = consumer.get();
        return theirs.status().compareTo(own.status()) > 0
                ? new SubscriberHealth(theirs.status(), "transport: " + theirs.reason())
                : own;
    }

    private SubscriberHealth own() {
        if (storeRefusing) {
            return new SubscriberHealth(
                    SubscriberHealth.Status.UNHEALTHY, "the dead-letter store refuses letters; events are held");
        }
        @Nullable CircuitBreaker breaker = settings.policy().circuitBreaker();
        CircuitBreaker.State state = breaker == null ? CircuitBreaker.State.CLOSED : breaker.getState();
        if (state == CircuitBreaker.State.OPEN || state == CircuitBreaker.State.FORCED_OPEN) {
            return new SubscriberHealth(SubscriberHealth.Status.UNHEALTHY, "circuit breaker " + state);
        }
        if (state == CircuitBreaker.State.HALF_OPEN) {
            return new SubscriberHealth(SubscriberHealth.Status.DEGRADED, "circuit breaker half-open");
        }
        if (inbox.overflowing() || inbox.size() * 5L >= inbox.capacity() * 4L) {
            return new SubscriberHealth(
                    SubscriberHealth.Status.DEGRADED,
                    "inbox " + inbox.size() + "/" + inbox.capacity() + (inbox.overflowing() ? ", overflowing" : ""));
        }
        if (breaker != null) {
            float rate = breaker.getMetrics().getFailureRate();
            float threshold = breaker.getCircuitBreakerConfig().getFailureRateThreshold();
            if (rate >= 0 && rate >= threshold / 2) {
                return new SubscriberHealth(
                        SubscriberHealth.Status.DEGRADED,
                        "recent failure rate " + rate + "% (breaker opens at " + threshold + "%)");
            }
        }
        var store = bus.store().health();
        if (store.status() != DeadLetterStore.StoreHealth.Status.UP) {
            return new SubscriberHealth(
                    SubscriberHealth.Status.DEGRADED, "dead-letter store " + store.status() + ": " + store.reason());
        }
        return SubscriberHealth.healthy();
    }

    private void check() {
        SubscriberHealth now = now();
        SubscriberHealth before = last;
        if (now.status() != before.status()) {
            last = now;
            bus.system()
                    .publish(
                            SystemEvents.SUBSCRIBER_HEALTH_CHANGED,
                            new SystemEvents.SubscriberHealthChanged(
                                    settings.name(),
                                    before.status(),
                                    now.status(),
                                    now.reason(),
                                    bus.clock().instant()));
        }
    }

    @Override
    public void refused(Throwable error) {
        if (!storeRefusing) {
            log.warn("Dead-letter store refuses letters of subscriber '{}'; holding events", settings.name(), error);
            storeRefusing = true;
            check();
        }
    }

    @Override
    public void accepted() {
        if (storeRefusing) {
            storeRefusing = false;
            check();
        }
    }
}
