package dev.sluice.bus.internal;

import dev.sluice.bus.DeadLetterQuery;
import dev.sluice.bus.DeadLetterReason;
import dev.sluice.bus.DeadLetterStore;
import dev.sluice.bus.EventBus;
import dev.sluice.bus.RedriveResult;
import dev.sluice.bus.SubscriberHandle;
import dev.sluice.bus.SubscriberHealth;
import dev.sluice.bus.SubscriberStats;
import dev.sluice.bus.spi.ConsumerSpec;
import dev.sluice.bus.spi.EventTransport;
import dev.sluice.bus.spi.TransportConsumer;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * A bus's subscribers, by name: adds and starts them, finds them for redrive, and reads their accounting and health.
 * A subscriber leaves the list when its shutdown begins. Thread-safe.
 */
public final class Subscriptions {

    private static final Logger log = LoggerFactory.getLogger(Subscriptions.class);

    private final Channels channels;
    private final Lifecycle lifecycle;
    private final BusContext context;
    private final @Nullable EventTransport transport;
    private final Map<String, BusWorker> byName = new ConcurrentHashMap<>();
    // registries BusMetrics bound: subscribers added later are bound to them too
    private final List<MetricsBinding> bindings = new CopyOnWriteArrayList<>();

    /**
     * Create the subscriber list of a bus with these types, lifecycle and publishing. Its subscribers share: {@code
     * store} for their letters, {@code clock} for timestamps, {@code timers} for timers, {@code instance} as the name
     * written into letters, and {@code delivery}, one worker of which each subscriber reads its inbox and calls its
     * handler on; durable subscribers read through {@code transport} (null: the bus has none).
     */
    public Subscriptions(
            Channels channels,
            Lifecycle lifecycle,
            Publishing publishing,
            DeadLetterStore store,
            Clock clock,
            Scheduler timers,
            String instance,
            Scheduler delivery,
            @Nullable EventTransport transport) {
        this.transport = transport;
        this.channels = channels;
        this.lifecycle = lifecycle;
        this.context = new BusContext(
                store,
                clock,
                timers,
                instance,
                publishing::publishSystem,
                delivery,
                publishing.observations(),
                publishing.linkProcessing());
    }

    /**
     * Add a subscriber with {@code settings} and start it; registers its event type.
     *
     * @return its handle
     * @throws IllegalStateException if a subscriber of that name exists
     * @throws dev.sluice.bus.BusClosedException if the bus is closing
     */
    public <T> SubscriberHandle subscribe(SubscriberSettings<T> settings) {
        if (lifecycle.closed()) {
            throw lifecycle.closedError();
        }
        Channel<T> channel = channels.channel(settings.type());
        DurableRoute route = channel.durable;
        if (route != null) {
            return subscribeDurable(settings, channel, route);
        }
        SubscriberWorker<T> worker = new SubscriberWorker<>(settings, context, leaving -> {
            channel.remove(leaving);
            byName.remove(settings.name(), leaving);
        });
        if (byName.putIfAbsent(settings.name(), worker) != null) {
            worker.discard();
            throw new IllegalStateException("a subscriber named '" + settings.name() + "' exists already");
        }
        lifecycle.track(worker);
        worker.start();
        for (MetricsBinding binding : bindings) {
            binding.subscriberAdded(settings.type().name(), worker);
        }
        channel.add(worker);
        if (lifecycle.closed()) { // close() ran between the check above and now, and may not have seen this subscriber
            worker.shutdown(EventBus.DEFAULT_CLOSE_TIMEOUT, DeadLetterReason.SHUTDOWN, false)
                    .subscribe();
            throw lifecycle.closedError();
        }
        return worker;
    }

    private <T> SubscriberHandle subscribeDurable(
            SubscriberSettings<T> settings, Channel<T> channel, DurableRoute route) {
        String name = settings.name();
        if (byName.containsKey(name)) { // before asking the transport, which refuses a second consumer of one name
            throw new IllegalStateException("a subscriber named '" + name + "' exists already");
        }
        Duration worstCase = Objects.requireNonNull(WorstCase.of(settings.policy()), "checked by the spec's build()");
        TransportConsumer<T> consumer =
                route.transport().consumer(new ConsumerSpec<>(name, channel.type(), settings.startFrom(), worstCase));
        DurableWorker<T> worker = new DurableWorker<>(
                settings, context, consumer, route.declared(), leaving -> byName.remove(name, leaving));
        if (byName.putIfAbsent(name, worker) != null) {
            worker.discard();
            consumer.close()
                    .subscribe(null, error -> log.warn("Closing the unused consumer of '{}' failed", name, error));
            throw new IllegalStateException("a subscriber named '" + name + "' exists already");
        }
        lifecycle.track(worker);
        worker.start();
        for (MetricsBinding binding : bindings) {
            binding.subscriberAdded(channel.type().name(), worker);
        }
        if (lifecycle.closed()) { // close() ran between the check and now, and may not have seen this subscriber
            worker.shutdown(EventBus.DEFAULT_CLOSE_TIMEOUT, DeadLetterReason.SHUTDOWN, false)
                    .subscribe();
            throw lifecycle.closedError();
        }
        return worker;
    }

    /**
     * Redrive the dead letters matching {@code query} through their subscriber's own chain; see {@code
     * EventBus.redrive(DeadLetterQuery)}.
     *
     * @throws IllegalArgumentException if no subscriber named {@code query.subscriber()} is on this bus
     */
    public Flux<RedriveResult> redrive(DeadLetterQuery query) {
        BusWorker worker = byName.get(query.subscriber());
        if (worker == null) {
            throw new IllegalArgumentException(
                    "no subscriber named '" + query.subscriber() + "' on bus '" + context.instance() + "'");
        }
        return worker.redriver().redrive(query);
    }

    /**
     * Return the bus's health: the worst of its subscribers', the dead-letter store's and the transport's, with the
     * reasons.
     */
    public SubscriberHealth health() {
        SubscriberHealth worst = SubscriberHealth.healthy();
        StringBuilder reasons = new StringBuilder();
        EventTransport durableOn = transport;
        if (durableOn != null) {
            SubscriberHealth own = durableOn.health();
            if (own.status() != SubscriberHealth.Status.HEALTHY) {
                worst = own;
                reasons.append("transport: ").append(own.reason());
            }
        }
        for (BusWorker worker : byName.values()) {
            SubscriberHealth health = worker.health();
            if (health.status() != SubscriberHealth.Status.HEALTHY) {
                reasons.append(reasons.length() == 0 ? "" : "; ")
                        .append(worker.name())
                        .append(": ")
                        .append(health.reason());
                if (health.status().compareTo(worst.status()) > 0) {
                    worst = health;
                }
            }
        }
        var store = context.store().health();
        if (store.status() == DeadLetterStore.StoreHealth.Status.DOWN) {
            return new SubscriberHealth(SubscriberHealth.Status.UNHEALTHY, "dead-letter store down: " + store.reason());
        }
        return reasons.length() == 0 ? worst : new SubscriberHealth(worst.status(), reasons.toString());
    }

    /** Return a {@code Mono} that completes once no subscriber has an event in flight (checked every millisecond). */
    public Mono<Void> whenIdle() {
        return Flux.interval(Duration.ZERO, Duration.ofMillis(1), context.scheduler())
                .filter(tick -> byName.values().stream().allMatch(w -> w.stats().inFlight() == 0))
                .next()
                .then();
    }

    /** Return every current subscriber's accounting, by name. */
    public Map<String, SubscriberStats> stats() {
        Map<String, SubscriberStats> stats = new LinkedHashMap<>();
        byName.forEach((name, worker) -> stats.put(name, worker.stats()));
        return stats;
    }

    /**
     * Bind the bus's meters ({@code BusMeters}) to {@code meters}: for every type and subscriber present, and for
     * those added from now on.
     */
    public void bindMetrics(MeterRegistry meters) {
        // an observed bus times handlings once, in its sluice.process observation (BusMeters.HANDLER_DURATION)
        MetricsBinding binding =
                new MetricsBinding(meters, context.observations().isNoop());
        // first, so a type or subscriber added meanwhile is bound at least once
        channels.bind(binding);
        bindings.add(binding);
        for (Channel<?> channel : channels.all()) {
            binding.channelAdded(channel);
        }
        for (BusWorker worker : byName.values()) {
            binding.bindSubscriber(worker.typeName(), worker);
        }
    }
}
