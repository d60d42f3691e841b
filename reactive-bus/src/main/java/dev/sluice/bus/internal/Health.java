package dev.sluice.bus.internal;

import dev.sluice.bus.DeadLetterStore;
import dev.sluice.bus.SubscriberHealth;
import dev.sluice.bus.SystemEvents;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.time.Duration;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;

/**
 * One subscriber's health ({@code HEALTHY} / {@code DEGRADED} / {@code UNHEALTHY} from the store refusing its letters,
 * its breaker, its inbox fill, its recent failure rate and the store's own health) and the system events that report
 * on it: {@code sluice.subscriber.health-changed} and {@code sluice.circuit.state-changed}. Also the subscriber's view
 * of the store (docs/DESIGN.md promise 8): told when the store refuses its letters and when it accepts them again.
 * Thread-safe.
 */
final class Health implements BusContext.StoreState {

    private static final Logger log = LoggerFactory.getLogger(Health.class);

    /** How often a subscriber's health is re-evaluated (changes are published as system events). */
    static final Duration INTERVAL = Duration.ofSeconds(1);

    private final SubscriberSettings<?> settings;
    private final BusContext bus;
    private final Inbox<?> inbox;
    private volatile boolean storeRefusing;
    private volatile SubscriberHealth last = SubscriberHealth.healthy();

    Health(SubscriberSettings<?> settings, BusContext bus, Inbox<?> inbox) {
        this.settings = settings;
        this.bus = bus;
        this.inbox = inbox;
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

    /** Return the subscriber's health now. */
    SubscriberHealth now() {
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
