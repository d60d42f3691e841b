package dev.sluice.bus;

import dev.sluice.bus.internal.BusContext;
import dev.sluice.bus.internal.Channel;
import dev.sluice.bus.internal.EventIds;
import dev.sluice.bus.internal.Publishing;
import dev.sluice.bus.internal.SubscriberWorker;
import dev.sluice.policy.ResiliencePolicy;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * A typed, in-process event bus: publishers emit events, every subscriber reads its own bounded inbox with
 * backpressure and handles each event under its own {@link ResiliencePolicy}, and whatever a subscriber finally cannot
 * handle becomes a {@link DeadLetter} in the {@link DeadLetterStore}. Each (event, subscriber) ends in exactly one
 * {@link Outcome} (DESIGN.md promise 1).
 *
 * <p>Thread-safe: any number of threads may publish at once (no lock is taken, no thread waits: a publish that must
 * wait for room parks as a continuation). Nothing here blocks. Build with {@link #builder()}.
 */
public final class EventBus {

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(EventBus.class);

    /** Default time {@link #close()} gives subscribers to drain. */
    public static final Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(30);

    private final BusContext context;
    private final Map<String, Channel<?>> channels = new ConcurrentHashMap<>();
    private final Map<String, SubscriberWorker<?>> subscribers = new ConcurrentHashMap<>();
    // every subscriber not yet terminated, including those being disposed: close() waits for them all
    private final java.util.Set<SubscriberWorker<?>> live = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;
    // registries BusMetrics bound: channels and subscribers added later are bound to them too
    private final java.util.List<BusMetrics.Binding> bindings = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final java.util.concurrent.atomic.AtomicReference<@Nullable Mono<Void>> closing =
            new java.util.concurrent.atomic.AtomicReference<>();

    private EventBus(Builder b) {
        this.context = new BusContext(b.store, b.clock, b.scheduler, b.instance, this::publishSystem, b.delivery);
    }

    /** Return a builder: in-memory store, system UTC clock, the policies' shared timer, instance "sluice". */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Register {@code type} so it can be published; registering it again is a no-op.
     *
     * @throws IllegalArgumentException if another type with the same name but a different payload class is
     *     registered
     */
    public <T> EventBus register(EventType<T> type) {
        channel(type);
        return this;
    }

    @SuppressWarnings("unchecked")
    private <T> Channel<T> channel(EventType<T> type) {
        Channel<?> channel = channels.get(type.name());
        if (channel == null) {
            boolean[] added = {false};
            channel = channels.computeIfAbsent(type.name(), name -> {
                added[0] = true;
                return new Channel<>(type);
            });
            if (added[0]) {
                for (BusMetrics.Binding binding : bindings) {
                    binding.channelAdded(channel);
                }
            }
        }
        if (!channel.type().payloadType().equals(type.payloadType())) {
            throw new IllegalArgumentException("event type '" + type.name() + "' is registered with payload "
                    + channel.type().payloadType().getName() + ", not "
                    + type.payloadType().getName());
        }
        return (Channel<T>) channel;
    }

    /** Publish {@code payload} as an event of {@code type}, keyed by the type's key extractor if it has one. */
    public <T> Mono<PublishReceipt> publish(EventType<T> type, T payload) {
        return publish(type, null, payload);
    }

    /**
     * Publish {@code payload} as an event of {@code type} with ordering key {@code key}. Lazy: nothing happens until
     * the {@code Mono} is subscribed. Once it has started, every subscriber gets the event in its inbox or a dead
     * letter for it, even if the {@code Mono} is then cancelled. The correlation id header is taken from the Reactor
     * {@code Context} key {@value Event#CORRELATION_ID} when present.
     *
     * @param key the ordering key, or null to use the type's key extractor (or none)
     * @return a {@code Mono} of the receipt, emitted when every subscriber's inbox took the event or dead-lettered it
     *     (waiting at most each {@code BACKPRESSURE} subscriber's {@code maxPublishWait}); or an error: {@link
     *     InvalidEventException} (unregistered type, wrong payload class, validation failure), {@link
     *     BusClosedException} — in both cases nothing was enqueued for anyone
     * @throws NullPointerException if {@code type} or {@code payload} is null (at call time)
     */
    public <T> Mono<PublishReceipt> publish(EventType<T> type, @Nullable String key, T payload) {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(payload, "payload");
        return Mono.deferContextual(context -> {
            Channel<T> channel = validated(type, payload);
            if (channel == null) {
                return Mono.error(invalid(type, payload));
            }
            Map<String, String> headers = context.<String>getOrEmpty(Event.CORRELATION_ID)
                    .map(id -> Map.of(Event.CORRELATION_ID, id))
                    .orElse(Map.of());
            long now = this.context.clock().millis();
            Event<T> event = new Event<>(
                    EventIds.next(now),
                    channel.type(),
                    key != null ? key : type.keyOf(payload),
                    payload,
                    headers,
                    java.time.Instant.ofEpochMilli(now));
            return route(channel, event);
        });
    }

    /**
     * Publish an already built event (keeping its id, key, headers and {@code publishedAt}), e.g. when redriving.
     *
     * @see #publish(EventType, String, Object)
     */
    public <T> Mono<PublishReceipt> publish(Event<T> event) {
        Objects.requireNonNull(event, "event");
        return Mono.defer(() -> {
            Channel<T> channel = validated(event.type(), event.payload());
            return channel == null ? Mono.error(invalid(event.type(), event.payload())) : route(channel, event);
        });
    }

    /**
     * Publish every payload of {@code payloads} in order, requesting the next only when the previous publish is done,
     * so upstream is asked no faster than the inboxes take events.
     *
     * @return a {@code Flux} of one receipt per payload; errors as {@link #publish(EventType, Object)}, which stop it
     */
    public <T> Flux<PublishReceipt> publishAll(EventType<T> type, Publisher<? extends T> payloads) {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(payloads, "payloads");
        return Flux.<T>from(payloads).concatMap(payload -> publish(type, payload), 1);
    }

    private <T> @Nullable Channel<T> validated(EventType<T> type, T payload) {
        Channel<?> channel = channels.get(type.name());
        if (closed
                || channel == null
                || !channel.type().payloadType().equals(type.payloadType())
                || !type.payloadType().isInstance(payload)
                || type.violationOf(payload) != null) {
            return null;
        }
        @SuppressWarnings("unchecked")
        Channel<T> typed = (Channel<T>) channel;
        return typed;
    }

    private RuntimeException invalid(EventType<?> type, Object payload) {
        if (closed) {
            return new BusClosedException(context.instance());
        }
        Channel<?> channel = channels.get(type.name());
        if (channel == null) {
            return new InvalidEventException(type.name(), "not registered (register it, or subscribe to it, first)");
        }
        if (!channel.type().payloadType().equals(type.payloadType())) {
            return new InvalidEventException(
                    type.name(),
                    "registered with payload " + channel.type().payloadType().getName() + ", not "
                            + type.payloadType().getName());
        }
        if (!type.payloadType().isInstance(payload)) {
            return new InvalidEventException(
                    type.name(),
                    "payload is a " + payload.getClass().getName() + ", expected "
                            + type.payloadType().getName());
        }
        return new InvalidEventException(type.name(), "payload invalid: " + violationOf(type, payload));
    }

    @SuppressWarnings("unchecked")
    private static <T> @Nullable String violationOf(EventType<T> type, Object payload) {
        return type.violationOf((T) payload);
    }

    private <T> Mono<PublishReceipt> route(Channel<T> channel, Event<T> event) {
        SubscriberWorker<T>[] workers = channel.workers();
        channel.published.increment();
        if (channel.observers.observed()) {
            channel.observers.emit(event);
        }
        if (workers.length == 0) {
            channel.unrouted.increment();
            return Mono.just(new PublishReceipt(event.id(), 0, 0));
        }
        return Publishing.fanOut(event, workers);
    }

    /**
     * Add a subscriber and start it; registers its event type.
     *
     * @return its handle
     * @throws IllegalStateException if a subscriber of that name exists
     * @throws BusClosedException if the bus is closing
     */
    public <T> SubscriberHandle subscribe(SubscriberSpec<T> spec) {
        Objects.requireNonNull(spec, "spec");
        if (closed) {
            throw new BusClosedException(context.instance());
        }
        Channel<T> channel = channel(spec.type);
        java.util.concurrent.atomic.AtomicReference<SubscriberWorker<T>> holder =
                new java.util.concurrent.atomic.AtomicReference<>();
        SubscriberWorker<T> worker = new SubscriberWorker<>(
                new SubscriberWorker.Settings<>(
                        spec.name,
                        spec.handler,
                        spec.policy,
                        spec.fallback,
                        spec.concurrency,
                        spec.orderedByKey,
                        spec.inboxSize,
                        spec.overflow == OverflowPolicy.DEAD_LETTER,
                        spec.maxPublishWait,
                        spec.onBreakerOpen,
                        spec.disposeGrace,
                        spec.type.name().startsWith("sluice."),
                        spec.pacing,
                        spec.type,
                        spec.redrive),
                context,
                () -> {
                    channel.remove(holder.get());
                    subscribers.remove(spec.name, holder.get());
                });
        holder.set(worker);
        if (subscribers.putIfAbsent(spec.name, worker) != null) {
            worker.discard();
            throw new IllegalStateException("a subscriber named '" + spec.name + "' exists already");
        }
        live.add(worker);
        worker.terminated().subscribe(null, null, () -> live.remove(worker));
        worker.start();
        for (BusMetrics.Binding binding : bindings) {
            binding.subscriberAdded(spec.type.name(), worker);
        }
        channel.add(worker);
        if (closed) { // close() ran between the check above and now, and may not have seen this subscriber
            worker.shutdown(DEFAULT_CLOSE_TIMEOUT, DeadLetterReason.SHUTDOWN, false)
                    .subscribe();
            throw new BusClosedException(context.instance());
        }
        return worker;
    }

    private <X> void publishSystem(EventType<X> type, X payload) {
        Channel<?> channel = channels.get(type.name());
        if (closed || channel == null) {
            return; // nobody listens: system events are best effort
        }
        @SuppressWarnings("unchecked")
        Channel<X> typed = (Channel<X>) channel;
        long now = context.clock().millis();
        Event<X> event =
                new Event<>(EventIds.next(now), type, null, payload, Map.of(), java.time.Instant.ofEpochMilli(now));
        route(typed, event).subscribe(); // best-effort subscribers only: completes at once, never waits
    }

    /**
     * Observe every event of {@code type} published from now on, without taking part in delivery: a hot {@code Flux}
     * for dashboards that never completes on its own. An observer more than 256 events behind misses events; the
     * misses are counted ({@link #observerDrops(EventType)}) and never slow delivery. Registers the type.
     */
    public <T> Flux<Event<T>> events(EventType<T> type) {
        return channel(Objects.requireNonNull(type, "type")).observers.flux();
    }

    /** Return how many events of {@code type} slow observers of {@link #events(EventType)} missed. */
    public long observerDrops(EventType<?> type) {
        Channel<?> channel = channels.get(type.name());
        return channel == null ? 0 : channel.observers.dropped();
    }

    /**
     * Return the bus's health: the worst of its subscribers' and the dead-letter store's, with the reasons.
     */
    public SubscriberHealth health() {
        SubscriberHealth worst = SubscriberHealth.healthy();
        StringBuilder reasons = new StringBuilder();
        for (SubscriberWorker<?> worker : subscribers.values()) {
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

    /**
     * Return a {@code Mono} that completes once no subscriber has an event in flight (checked every millisecond on
     * the bus scheduler): for tests that must wait for the bus to settle without sleeping.
     */
    public Mono<Void> whenIdle() {
        return Flux.interval(Duration.ZERO, Duration.ofMillis(1), context.scheduler())
                .filter(tick ->
                        subscribers.values().stream().allMatch(w -> w.stats().inFlight() == 0))
                .next()
                .then();
    }

    /** Return every current subscriber's accounting, by name. */
    public Map<String, SubscriberStats> stats() {
        Map<String, SubscriberStats> stats = new LinkedHashMap<>();
        subscribers.forEach((name, worker) -> stats.put(name, worker.stats()));
        return stats;
    }

    /** Return how many events were published (routed or not). */
    public long publishedCount() {
        return channels.values().stream().mapToLong(c -> c.published.sum()).sum();
    }

    /** Return how many events were published to a type with no subscriber. */
    public long unroutedCount() {
        return channels.values().stream().mapToLong(c -> c.unrouted.sum()).sum();
    }

    Map<String, Channel<?>> channels() {
        return channels;
    }

    Map<String, SubscriberWorker<?>> subscribers() {
        return subscribers;
    }

    /** Bind channels and subscribers added from now on with {@code binding}. */
    void addBinding(BusMetrics.Binding binding) {
        bindings.add(binding);
    }

    /**
     * Redrive the dead letters matching {@code query} (at most {@code query.limit()}; parked ones if the query asks
     * for them) through their subscriber's own chain: the original event is rebuilt (same id, key, headers, {@code
     * publishedAt}) and handled under the subscriber's policy and fallback, bypassing its inbox, at most its
     * concurrency at a time. Success (delivered, or recovered by the fallback) deletes the letter; failure replaces it
     * (same {@code letterId}, {@code redriveCount + 1}, the new error), or parks it when the subscriber's {@link
     * RedrivePolicy} delays have run out; a payload that no longer deserializes is parked as {@code
     * DESERIALIZATION_FAILED}. Each letter is claimed (leased) in the store first, so several instances sharing a
     * store never redrive one letter at the same time; a letter another lease holds is {@code SKIPPED}. Delivery is
     * at-least-once: a letter whose outcome cannot be recorded ({@code STORE_FAILED}) is redriven again later, so
     * handlers should be idempotent. Redrives never change the subscriber's {@link SubscriberStats}.
     *
     * @return a {@code Flux} of one result per letter, in completion order; it completes when every matched letter has
     *     a result, and signals an error only if the store cannot list the letters
     * @throws NullPointerException if {@code query} is null
     * @throws IllegalArgumentException if no subscriber named {@code query.subscriber()} is on this bus
     */
    public Flux<RedriveResult> redrive(DeadLetterQuery query) {
        Objects.requireNonNull(query, "query");
        SubscriberWorker<?> worker = subscribers.get(query.subscriber());
        if (worker == null) {
            throw new IllegalArgumentException(
                    "no subscriber named '" + query.subscriber() + "' on bus '" + context.instance() + "'");
        }
        return worker.redriver().redrive(query);
    }

    /** Return the dead-letter store. */
    public DeadLetterStore deadLetters() {
        return context.store();
    }

    /** Close with {@link #DEFAULT_CLOSE_TIMEOUT}. */
    public Mono<Void> close() {
        return close(DEFAULT_CLOSE_TIMEOUT);
    }

    /**
     * Stop accepting publishes and subscribers, let every subscriber drain its inbox, and dead-letter ({@code
     * SHUTDOWN}) whatever has not finished within {@code timeout}. Eager: closing starts at call time, whether or not
     * the {@code Mono} is subscribed. Idempotent: later calls return the first call's {@code Mono} (and its timeout).
     *
     * @return a {@code Mono} that completes when every event ever offered has an outcome
     */
    public Mono<Void> close(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        Mono<Void> existing = closing.get();
        if (existing != null) {
            return existing;
        }
        closed = true;
        Mono<Void> done = Flux.fromIterable(java.util.List.copyOf(live))
                .flatMap(worker -> worker.shutdown(timeout, DeadLetterReason.SHUTDOWN, false))
                .then()
                .cache();
        if (!closing.compareAndSet(null, done)) {
            return Objects.requireNonNull(closing.get());
        }
        // start now; callers see the outcome through the cached Mono (shutdown logs its own failures)
        done.subscribe(null, error -> log.error("Closing event bus '{}' failed", context.instance(), error));
        return done;
    }

    /** Builds an {@link EventBus}. Not thread-safe. */
    public static final class Builder {
        private DeadLetterStore store = InMemoryDeadLetterStore.create();
        private Clock clock = Clock.systemUTC();
        private Scheduler scheduler = ResiliencePolicy.DEFAULT_SCHEDULER;
        private String instance = "sluice";
        private Scheduler delivery = Schedulers.parallel();

        private Builder() {}

        /**
         * Read inboxes and call handlers on {@code delivery} (default {@code Schedulers.parallel()}: each subscriber
         * drains its inbox on one of its workers, so events are taken in order, one drain at a time, and a handler is
         * first called off the publisher's thread). A retry, or the next event of a key that waited for the one
         * before it, starts on the thread that ended the previous attempt or event (a timer thread, or the thread
         * that completed the handler). {@code Schedulers.immediate()} runs handlers on whichever thread publishes or
         * completes the previous event: cheapest, but a handler's synchronous work then runs on the publisher's
         * thread.
         */
        public Builder deliveryScheduler(Scheduler delivery) {
            this.delivery = Objects.requireNonNull(delivery, "delivery");
            return this;
        }

        /** Write dead letters to {@code store} (default: {@link InMemoryDeadLetterStore#create()}). */
        public Builder deadLetterStore(DeadLetterStore store) {
            this.store = Objects.requireNonNull(store, "store");
            return this;
        }

        /** Timestamp events and letters with {@code clock} (default: system UTC). */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** Run the bus's timers (publish waits, store retries) on {@code scheduler} (default: the policies' wheel). */
        public Builder scheduler(Scheduler scheduler) {
            this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
            return this;
        }

        /** Name this bus instance in dead letters (default "sluice"). */
        public Builder instance(String instance) {
            Objects.requireNonNull(instance, "instance");
            if (instance.isBlank()) {
                throw new IllegalArgumentException("instance must not be blank, but was '" + instance + "'");
            }
            this.instance = instance;
            return this;
        }

        /** Build the bus. */
        public EventBus build() {
            return new EventBus(this);
        }
    }
}
