package dev.sluice.spring;

import dev.sluice.bus.EventBus;
import dev.sluice.bus.EventType;
import dev.sluice.bus.SubscriberHandle;
import dev.sluice.bus.SubscriberSpec;
import dev.sluice.bus.spi.EventTransport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.context.SmartLifecycle;
import reactor.core.publisher.Mono;

/**
 * Starts the bus's subscribers when the context starts and closes the bus when it stops. Its {@link #PHASE} is below
 * the web server's graceful-shutdown phase ({@code WebServerGracefulShutdownLifecycle.SMART_LIFECYCLE_PHASE}, {@code
 * DEFAULT_PHASE - 1024}) and the web server's own ({@code DEFAULT_PHASE - 2048}), so requests still in flight during
 * a graceful shutdown can publish; and above the Redis connection factory's ({@code LettuceConnectionFactory}, phase
 * 0), so the store still reaches Redis while the bus drains. Starting goes the other way: subscribers are on the bus
 * before the web server takes requests.
 *
 * <p>Stopping calls {@link EventBus#close(Duration)} with the shutdown phase's timeout ({@code
 * spring.lifecycle.timeout-per-shutdown-phase}, default 30 s) less {@code sluice.lifecycle.close-margin} (default 2
 * s; at least half the phase): what cannot finish by then becomes {@code SHUTDOWN} dead letters, written before the
 * phase ends; a durable subscriber releases what it has not finished, unacknowledged, to the next owner. Then the
 * transport of durable types is closed ({@link EventTransport#close()}: its leases are released, so other instances
 * take over at once), and then the store with {@code closeGracefully} when it has one. Nothing here blocks: the stop
 * callback runs when all are done.
 *
 * <p>On start, after registering the event types, a failed declaration of a durable type on the transport (Redis
 * unreachable, another partition count recorded) is logged as an error; startup does not wait for Redis, as the
 * store does not.
 */
public final class SluiceLifecycle implements SmartLifecycle, SmartInitializingSingleton {

    /** The phase: {@code DEFAULT_PHASE - 4096}. */
    public static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 4096;

    private static final Logger log = LoggerFactory.getLogger(SluiceLifecycle.class);

    private final EventBus bus;
    private final Supplier<List<SubscriberSpec<?>>> specs;
    private final List<EventType<?>> types;
    private final Duration closeTimeout;
    private final @Nullable EventTransport transport;
    private final @Nullable Supplier<Mono<Void>> closeStore;
    private final Map<String, SluiceSubscriber> subscribers = new ConcurrentSkipListMap<>();
    private @Nullable List<SubscriberSpec<?>> assembled;
    private volatile boolean running;

    /**
     * Create the lifecycle.
     *
     * @param bus the bus
     * @param specs builds the subscribers' specs (checked when every singleton exists, so a bad one fails startup)
     * @param types event types to register before subscribing
     * @param closeTimeout what {@link EventBus#close(Duration)} gets
     * @param closeStore closes the store after the bus, or null to leave it open
     */
    public SluiceLifecycle(
            EventBus bus,
            Supplier<List<SubscriberSpec<?>>> specs,
            List<EventType<?>> types,
            Duration closeTimeout,
            @Nullable Supplier<Mono<Void>> closeStore) {
        this(bus, specs, types, closeTimeout, null, closeStore);
    }

    /**
     * Create the lifecycle of a bus with a transport.
     *
     * @param bus the bus
     * @param specs builds the subscribers' specs (checked when every singleton exists, so a bad one fails startup)
     * @param types event types to register before subscribing
     * @param closeTimeout what {@link EventBus#close(Duration)} gets
     * @param transport the bus's transport, closed after the bus, or null
     * @param closeStore closes the store after the transport, or null to leave it open
     */
    public SluiceLifecycle(
            EventBus bus,
            Supplier<List<SubscriberSpec<?>>> specs,
            List<EventType<?>> types,
            Duration closeTimeout,
            @Nullable EventTransport transport,
            @Nullable Supplier<Mono<Void>> closeStore) {
        this.bus = Objects.requireNonNull(bus, "bus");
        this.specs = Objects.requireNonNull(specs, "specs");
        this.types = List.copyOf(types);
        this.closeTimeout = Objects.requireNonNull(closeTimeout, "closeTimeout");
        this.transport = transport;
        this.closeStore = closeStore;
    }

    /** Return the close timeout of {@code phase} less {@code margin}, and at least half the phase. */
    public static Duration closeTimeout(Duration phase, Duration margin) {
        Duration less = phase.minus(margin);
        Duration half = phase.dividedBy(2);
        return less.compareTo(half) < 0 ? half : less;
    }

    @Override
    public void afterSingletonsInstantiated() {
        assembled = specs.get();
    }

    @Override
    public void start() {
        types.forEach(bus::register);
        bus.ready()
                .subscribe(
                        null,
                        e -> log.error(
                                "Sluice could not declare its durable event types on the transport (their publishes and "
                                        + "durable subscribers need it)",
                                e));
        List<SubscriberSpec<?>> toStart = assembled != null ? assembled : specs.get();
        for (SubscriberSpec<?> spec : toStart) {
            SubscriberHandle handle = bus.subscribe(spec);
            subscribers.put(
                    spec.name(), new SluiceSubscriber(spec.name(), spec.type().name(), handle, spec.policy()));
        }
        running = true;
        log.info("Sluice started {} subscriber(s): {}", subscribers.size(), subscribers.keySet());
    }

    /** Close as {@link #stop(Runnable)} does, without waiting (Spring calls {@link #stop(Runnable)}). */
    @Override
    public void stop() {
        stop(() -> {});
    }

    @Override
    public void stop(Runnable callback) {
        running = false;
        Mono<Void> store = closeStore == null ? Mono.empty() : Mono.defer(closeStore);
        EventTransport durable = transport;
        Mono<Void> closeTransport = durable == null
                ? Mono.empty()
                : Mono.defer(durable::close).onErrorResume(e -> {
                    log.warn("Sluice transport closed with an error", e);
                    return Mono.empty();
                });
        bus.close(closeTimeout)
                .onErrorResume(e -> {
                    log.warn("Sluice bus closed with an error", e);
                    return Mono.empty();
                })
                .then(closeTransport)
                .then(store)
                .doFinally(signal -> callback.run())
                .subscribe(null, e -> log.warn("Sluice dead-letter store closed with an error", e));
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        return PHASE;
    }

    /** Return the subscribers started, by name. */
    public Collection<SluiceSubscriber> subscribers() {
        return new ArrayList<>(subscribers.values());
    }

    /** Return the subscriber {@code name}, if started. */
    public Optional<SluiceSubscriber> subscriber(String name) {
        return Optional.ofNullable(subscribers.get(name));
    }

    /** Return the close timeout the bus gets. */
    public Duration closeTimeout() {
        return closeTimeout;
    }
}
