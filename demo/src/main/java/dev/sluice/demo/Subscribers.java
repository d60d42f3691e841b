package dev.sluice.demo;

import dev.sluice.bus.BreakerOpenPolicy;
import dev.sluice.bus.Event;
import dev.sluice.bus.EventBus;
import dev.sluice.bus.EventType;
import dev.sluice.bus.OverflowPolicy;
import dev.sluice.bus.RedrivePolicy;
import dev.sluice.bus.SubscriberHandle;
import dev.sluice.bus.SubscriberSpec;
import dev.sluice.bus.SystemEvents;
import dev.sluice.policy.Failure;
import dev.sluice.policy.ResiliencePolicy;
import dev.sluice.policy.RetrySettings;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;

/**
 * The demo's subscribers on one bus, each under its own policy:
 *
 * <ul>
 *   <li>{@code inventory}: HTTP to the downstream; timeout 200 ms, 3 attempts with backoff and jitter, a breaker
 *       (pauses while open), fallback to the last known stock; 16 at a time, ordered by order id;
 *   <li>{@code email}: HTTP to the flaky mail endpoint; timeout 500 ms, 2 attempts, no fallback, so failures become
 *       dead letters redriven on schedule;
 *   <li>{@code analytics}: slow, inbox of 64 that overflows into dead letters (in-process; a durable subscriber's
 *       backlog waits in its stream instead, so overflow and backpressure settings are for in-process only);
 *   <li>{@code alerts-breaker}, {@code alerts-parked}: system events to the webhook or the log.
 * </ul>
 */
final class Subscribers {

    static final String INVENTORY = "inventory", EMAIL = "email", ANALYTICS = "analytics";
    static final String ALERTS_BREAKER = "alerts-breaker", ALERTS_PARKED = "alerts-parked";
    /** The subscribers of {@code order.placed}, whose dead letters the API and the scenario care about. */
    static final List<String> ORDER_SUBSCRIBERS = List.of(INVENTORY, EMAIL, ANALYTICS);

    static final int INVENTORY_INBOX = 1024, EMAIL_INBOX = 1024, ANALYTICS_INBOX = 64, ALERTS_INBOX = 256;
    private final ResiliencePolicy inventoryPolicy, emailPolicy, analyticsPolicy, alertsPolicy;
    private final ConcurrentLinkedQueue<String> breakerTransitions = new ConcurrentLinkedQueue<>();
    private final Map<String, SubscriberHandle> handles = new LinkedHashMap<>();

    private Subscribers(DemoSettings settings) {
        this.inventoryPolicy = ResiliencePolicy.builder(INVENTORY)
                .timeout(Duration.ofMillis(200))
                .retry(RetrySettings.builder()
                        .maxAttempts(3)
                        .minBackoff(Duration.ofMillis(20))
                        .maxBackoff(Duration.ofMillis(200))
                        .jitter(0.5)
                        .build())
                .circuitBreaker(CircuitBreakerConfig.custom()
                        .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                        .slidingWindowSize(20)
                        .minimumNumberOfCalls(10)
                        .failureRateThreshold(50)
                        .waitDurationInOpenState(settings.breakerOpenWait())
                        .permittedNumberOfCallsInHalfOpenState(5)
                        .build())
                .build();
        this.emailPolicy = ResiliencePolicy.builder(EMAIL)
                .timeout(Duration.ofMillis(500))
                .retry(RetrySettings.builder()
                        .maxAttempts(2)
                        .minBackoff(Duration.ofMillis(50))
                        .maxBackoff(Duration.ofMillis(500))
                        .build())
                .build();
        this.analyticsPolicy = ResiliencePolicy.builder(ANALYTICS)
                .timeout(Duration.ofSeconds(1))
                .build();
        this.alertsPolicy = ResiliencePolicy.builder("alerts")
                .timeout(Duration.ofSeconds(2))
                .retry(2)
                .build();
        CircuitBreaker breaker = Objects.requireNonNull(inventoryPolicy.circuitBreaker());
        breaker.getEventPublisher()
                .onStateTransition(e -> breakerTransitions.add(e.getStateTransition()
                                .getFromState() + "->" + e.getStateTransition().getToState()));
    }

    /**
     * Subscribe everything to {@code bus}, the order subscribers to {@code orders} (durable or in-process); {@code
     * listener} hears each order subscriber's outcomes.
     */
    static Subscribers subscribe(
            EventBus bus,
            EventType<Order> orders,
            DemoSettings settings,
            DownstreamClient downstream,
            Alerts alerts,
            OutcomeListener listener) {
        boolean inProcess = orders.durability() == null;
        Subscribers s = new Subscribers(settings);
        RedrivePolicy redrive = RedrivePolicy.custom()
                .delays(settings.redriveDelays().toArray(Duration[]::new))
                .pollInterval(settings.redrivePoll())
                .batchSize(settings.redriveBatch())
                .lease(Duration.ofMinutes(1))
                .build();
        Inventory inventory = new Inventory(downstream);
        Email email = new Email(downstream);
        Analytics analytics = new Analytics(settings.analyticsWork());

        s.add(
                bus,
                overflow(
                        SubscriberSpec.builder(INVENTORY, orders, heard(INVENTORY, inventory::reserve, listener))
                                .policy(s.inventoryPolicy)
                                .fallback(heard(INVENTORY, inventory::useLastKnown, listener))
                                .onBreakerOpen(BreakerOpenPolicy.PAUSE)
                                .concurrency(16)
                                .orderedByKey(true)
                                .inboxSize(INVENTORY_INBOX)
                                .redrive(redrive),
                        inProcess ? OverflowPolicy.BACKPRESSURE : null));
        s.add(
                bus,
                SubscriberSpec.builder(EMAIL, orders, heard(EMAIL, email::sendConfirmation, listener))
                        .policy(s.emailPolicy)
                        .concurrency(16)
                        .inboxSize(EMAIL_INBOX)
                        .redrive(redrive)
                        .build());
        s.add(
                bus,
                overflow(
                        SubscriberSpec.builder(ANALYTICS, orders, heard(ANALYTICS, analytics::record, listener))
                                .policy(s.analyticsPolicy)
                                .concurrency(8)
                                .inboxSize(ANALYTICS_INBOX)
                                .redrive(redrive),
                        inProcess ? OverflowPolicy.DEAD_LETTER : null));
        s.add(
                bus,
                SubscriberSpec.builder(ALERTS_BREAKER, SystemEvents.CIRCUIT_STATE_CHANGED, alerts::breakerChanged)
                        .policy(s.alertsPolicy)
                        .inboxSize(ALERTS_INBOX)
                        .build());
        s.add(
                bus,
                SubscriberSpec.builder(ALERTS_PARKED, SystemEvents.DEAD_LETTER_PARKED, alerts::letterParked)
                        .policy(s.alertsPolicy)
                        .concurrency(4)
                        .inboxSize(ALERTS_INBOX)
                        .build());
        return s;
    }

    /** Build {@code spec} with {@code overflow}, or with none (a durable type refuses one). */
    private static <T> SubscriberSpec<T> overflow(SubscriberSpec.Builder<T> spec, @Nullable OverflowPolicy overflow) {
        return overflow == null ? spec.build() : spec.overflow(overflow).build();
    }

    private void add(EventBus bus, SubscriberSpec<?> spec) {
        handles.put(spec.name(), bus.subscribe(spec));
    }

    /** Return every subscriber's handle by name, in subscription order. */
    Map<String, SubscriberHandle> handles() {
        return Collections.unmodifiableMap(handles);
    }

    /** Return the policies, for {@code PolicyMetrics}. */
    ResiliencePolicy[] policies() {
        return new ResiliencePolicy[] {inventoryPolicy, emailPolicy, analyticsPolicy, alertsPolicy};
    }

    /** Return a subscriber's breaker state ({@code CLOSED}, {@code OPEN}, …), or null if it has no breaker. */
    @Nullable
    String breakerState(String subscriber) {
        ResiliencePolicy policy = INVENTORY.equals(subscriber) ? inventoryPolicy : null;
        CircuitBreaker breaker = policy == null ? null : policy.circuitBreaker();
        return breaker == null ? null : breaker.getState().name();
    }

    /** Return the inventory breaker's transitions so far, oldest first, e.g. {@code CLOSED->OPEN}. */
    List<String> breakerTransitions() {
        return List.copyOf(breakerTransitions);
    }

    static Map<String, Integer> inboxCapacities() {
        return Map.of(
                INVENTORY, INVENTORY_INBOX,
                EMAIL, EMAIL_INBOX,
                ANALYTICS, ANALYTICS_INBOX,
                ALERTS_BREAKER, ALERTS_INBOX,
                ALERTS_PARKED, ALERTS_INBOX);
    }

    private static <T> Function<Event<T>, Publisher<?>> heard(
            String subscriber, Function<Event<T>, Mono<Void>> handler, OutcomeListener listener) {
        return event ->
                handler.apply(event).doOnSuccess(done -> listener.outcome(subscriber, event.id(), event.publishedAt()));
    }

    private static <T> BiFunction<Event<T>, Failure, Publisher<?>> heard(
            String subscriber, BiFunction<Event<T>, Failure, Mono<Void>> fallback, OutcomeListener listener) {
        return (event, failure) -> fallback.apply(event, failure)
                .doOnSuccess(done -> listener.outcome(subscriber, event.id(), event.publishedAt()));
    }
}
