package dev.sluice.bus;

import dev.sluice.bus.internal.Channels;
import dev.sluice.bus.internal.Lifecycle;
import dev.sluice.bus.internal.Publishing;
import dev.sluice.bus.internal.Subscriptions;
import dev.sluice.bus.spi.EventTransport;
import dev.sluice.policy.ResiliencePolicy;
import io.micrometer.context.ContextRegistry;
import io.micrometer.observation.ObservationRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * A typed event bus: publishers emit events, every subscriber reads its own bounded inbox with backpressure and handles
 * each event under its own {@link ResiliencePolicy}, and whatever a subscriber finally cannot handle becomes a {@link
 * DeadLetter} in the {@link DeadLetterStore}. Each (event, subscriber) ends in exactly one {@link Outcome}
 * (docs/DESIGN.md promise 1). Event types are in-process unless registered {@linkplain EventType#durable() durable}:
 * those live on the bus's {@linkplain Builder#transport transport}, survive a process crash, are shared by every
 * instance of a subscriber, and are delivered at least once (docs/DESIGN.md, "Durable types").
 *
 * <p>Thread-safe: any number of threads may publish at once (no lock is taken, no thread waits: a publish that must
 * wait for room parks as a continuation). Nothing here blocks. Build with {@link #builder()}.
 */
public final class EventBus {

    /** Default time {@link #close()} gives subscribers to drain. */
    public static final Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(30);

    // the bus's jobs, each in its own internal class: types, publishing, subscribers, open/closed
    private final Channels channels;
    private final Lifecycle lifecycle;
    private final Publishing publishing;
    private final Subscriptions subscriptions;
    private final DeadLetterStore store;

    private EventBus(Builder b) {
        this.store = b.store;
        this.channels = new Channels(b.transport);
        this.lifecycle = new Lifecycle(b.instance);
        this.publishing = new Publishing(
                channels,
                lifecycle,
                b.clock,
                EventBus::keyOf,
                b.contextRegistry,
                b.observations,
                b.processingTrace == ProcessingTrace.LINK);
        this.subscriptions = new Subscriptions(
                channels, lifecycle, publishing, b.store, b.clock, b.scheduler, b.instance, b.delivery, b.transport);
    }

    // the payload passed validation: it is an instance of the type's payload class
    @SuppressWarnings("unchecked")
    private static <T> @Nullable String keyOf(EventType<T> type, Object payload) {
        return type.keyOf((T) payload);
    }

    /** Return a builder: in-memory store, system UTC clock, the policies' shared timer, instance "sluice". */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Register {@code type} so it can be published; registering it again is a no-op. A durable type is declared on the
     * bus's transport at once (see {@link #ready()}).
     *
     * @throws IllegalArgumentException if another type with the same name but a different payload class, or a
     *     different durability (in-process or durable, partitions, schema version), is registered
     * @throws IllegalStateException if {@code type} is durable and the bus was built without a {@linkplain
     *     Builder#transport transport}
     */
    public <T> EventBus register(EventType<T> type) {
        channels.register(Objects.requireNonNull(type, "type"));
        return this;
    }

    /**
     * Return a {@code Mono} that completes when every durable type registered so far is declared on the transport
     * (its partitions created, or checked against those recorded at its first use). Publishes and durable subscribers
     * of a type wait for its declaration anyway; this lets an application fail fast at startup. Completes at once on a
     * bus with no durable type.
     *
     * @return a {@code Mono} that completes when all are declared, or errors with the first declaration's error
     *     ({@link IllegalStateException} naming both partition counts if a type's recorded count differs, or the
     *     transport's error if it cannot be reached); a failed declaration is tried again by the next call
     */
    public Mono<Void> ready() {
        return channels.ready();
    }

    /** Publish {@code payload} as an event of {@code type}, keyed by the type's key extractor if it has one. */
    public <T> Mono<PublishReceipt> publish(EventType<T> type, T payload) {
        return publish(type, null, payload);
    }

    /**
     * Publish {@code payload} as an event of {@code type} with ordering key {@code key}. Lazy: nothing happens until
     * the {@code Mono} is subscribed. Once it has started, every subscriber gets the event in its inbox or a dead
     * letter for it, even if the {@code Mono} is then cancelled. The correlation and causation id headers are taken
     * from the Reactor {@code Context} keys {@value Event#CORRELATION_ID} and {@value Event#CAUSATION_ID} when present
     * (a handler's context holds both: its event's correlation id, and its id as the cause); for an in-process type
     * the publisher's context is captured too (see {@link Builder#contextRegistry}).
     *
     * @param key the ordering key, or null to use the type's key extractor (or none)
     * <p>For a durable type (docs/DESIGN.md, "Durable types") the event is appended to its partition stream on the
     * transport once the type is declared: the receipt comes when the transport acknowledged the append and says
     * {@code delivered = 1} (the event is stored once for every subscriber's consumer group), {@code overflowed = 0};
     * only then is it counted in {@link #publishedCount()} and shown to {@link #events(EventType)}. Cancelling the
     * {@code Mono} cancels the append, which may or may not have landed.
     *
     * @return a {@code Mono} of the receipt, emitted when every subscriber's inbox took the event or dead-lettered it
     *     (waiting at most each {@code BACKPRESSURE} subscriber's {@code maxPublishWait}); or an error: {@link
     *     InvalidEventException} (unregistered type, wrong payload class, validation failure), {@link
     *     BusClosedException} — in both cases nothing was enqueued for anyone; for a durable type also {@link
     *     PublishFailedException} (type, partition, cause) when the transport could not append it within its publish
     *     timeout, or the type's declaration error
     * @throws NullPointerException if {@code type} or {@code payload} is null (at call time)
     */
    public <T> Mono<PublishReceipt> publish(EventType<T> type, @Nullable String key, T payload) {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(payload, "payload");
        return publishing.publish(type, key, payload);
    }

    /**
     * Publish an already built event (keeping its id, key, headers and {@code publishedAt}), e.g. when redriving.
     *
     * @see #publish(EventType, String, Object)
     */
    public <T> Mono<PublishReceipt> publish(Event<T> event) {
        Objects.requireNonNull(event, "event");
        return publishing.publish(event);
    }

    /**
     * Publish every payload of {@code payloads} in order, requesting the next only when the previous publish is done,
     * so upstream is asked no faster than the inboxes take events. For a durable type the events go to the
     * transport's {@code appendAll} instead: pipelined per partition (several appends in flight), a partition stopping
     * at its first error, upstream asked no faster than the appends complete. Either way each event is stamped and
     * observed ({@code sluice.publish}) as a single publish is.
     *
     * @return a {@code Flux} of one receipt per payload, in order; errors as {@link #publish(EventType, Object)},
     *     which stop it
     */
    public <T> Flux<PublishReceipt> publishAll(EventType<T> type, Publisher<? extends T> payloads) {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(payloads, "payloads");
        if (channels.durable(type)) { // decided at assembly: a type registered durable later is published one by one
            return publishing.publishAll(type, payloads);
        }
        return Flux.<T>from(payloads).concatMap(payload -> publish(type, payload), 1);
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
        return subscriptions.subscribe(spec.settings);
    }

    /**
     * Observe every event of {@code type} published from now on, without taking part in delivery: a hot {@code Flux}
     * for dashboards that never completes on its own. An observer more than 256 events behind misses events; the
     * misses are counted ({@link #observerDrops(EventType)}) and never slow delivery. Registers the type.
     */
    public <T> Flux<Event<T>> events(EventType<T> type) {
        return channels.events(Objects.requireNonNull(type, "type"));
    }

    /** Return how many events of {@code type} slow observers of {@link #events(EventType)} missed. */
    public long observerDrops(EventType<?> type) {
        return channels.observerDrops(Objects.requireNonNull(type, "type"));
    }

    /**
     * Return the bus's health: the worst of its subscribers' (a durable subscriber's includes its transport
     * consumer's), the dead-letter store's and the transport's, with the reasons.
     */
    public SubscriberHealth health() {
        return subscriptions.health();
    }

    /**
     * Return a {@code Mono} that completes once no subscriber has an event in flight (checked every millisecond on
     * the bus scheduler): for tests that must wait for the bus to settle without sleeping.
     */
    public Mono<Void> whenIdle() {
        return subscriptions.whenIdle();
    }

    /** Return every current subscriber's accounting, by name. */
    public Map<String, SubscriberStats> stats() {
        return subscriptions.stats();
    }

    /** Return how many events were published (routed or not). */
    public long publishedCount() {
        return channels.publishedCount();
    }

    /** Return how many events were published to a type with no subscriber. */
    public long unroutedCount() {
        return channels.unroutedCount();
    }

    /** Return the subscriber list, for {@link BusMetrics}. */
    Subscriptions subscriptions() {
        return subscriptions;
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
        return subscriptions.redrive(query);
    }

    /** Return the dead-letter store. */
    public DeadLetterStore deadLetters() {
        return store;
    }

    /** Close with {@link #DEFAULT_CLOSE_TIMEOUT}. */
    public Mono<Void> close() {
        return close(DEFAULT_CLOSE_TIMEOUT);
    }

    /**
     * Stop accepting publishes and subscribers, let every subscriber drain its inbox, and dead-letter ({@code
     * SHUTDOWN}) whatever has not finished within {@code timeout}. A durable subscriber stops reading, lets in-flight
     * handlers finish within {@code timeout} and releases the rest, unacknowledged, for the next owner (no letters). Eager: closing starts at call time, whether or not
     * the {@code Mono} is subscribed. Idempotent: later calls return the first call's {@code Mono} (and its timeout).
     *
     * @return a {@code Mono} that completes when every event ever offered has an outcome
     */
    public Mono<Void> close(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        return lifecycle.close(timeout);
    }

    /** Builds an {@link EventBus}. Not thread-safe. */
    public static final class Builder {
        private DeadLetterStore store = InMemoryDeadLetterStore.create();
        private Clock clock = Clock.systemUTC();
        private Scheduler scheduler = ResiliencePolicy.DEFAULT_SCHEDULER;
        private String instance = "sluice";
        private Scheduler delivery = Schedulers.parallel();
        private @Nullable EventTransport transport;
        private ContextRegistry contextRegistry = ContextRegistry.getInstance();
        private ObservationRegistry observations = ObservationRegistry.NOOP;
        private ProcessingTrace processingTrace = ProcessingTrace.CHILD;

        private Builder() {}

        /**
         * Carry the values of {@code registry}'s {@code ThreadLocalAccessor}s from publishers to handlers (default:
         * {@link ContextRegistry#getInstance()}, which holds Micrometer's current {@code Observation} and whatever the
         * application registered, e.g. an MDC accessor). A publish of an in-process type captures them from its
         * thread and from its Reactor {@code Context} (under the accessors' keys only, never the whole {@code
         * Context}); each call of a handler or fallback runs with them set as thread locals, cleared again after the
         * call, and its {@code Mono} sees them in its Reactor {@code Context} (docs/observability.md). The registry
         * must know Reactor's {@code Context} (reactor-core registers its {@code ContextAccessor} in the default one).
         * With no accessor holding a value, publishing allocates nothing for it.
         */
        public Builder contextRegistry(ContextRegistry registry) {
            this.contextRegistry = Objects.requireNonNull(registry, "registry");
            return this;
        }

        /**
         * Observe every publish and every (event, subscriber) handling in {@code registry} (default {@code
         * ObservationRegistry.NOOP}: nothing observed, nothing allocated for it), as {@link BusObservations} lists:
         * a handling is a child of its publish (or linked to it: {@link #processingTrace}), a publish of the publisher's current observation, and a publish's
         * trace context (with a tracing bridge: W3C {@code traceparent}, {@code tracestate}) is written into its
         * event's headers, so it crosses the transport with a durable event. System events are not observed. The
         * handling's observation is current while the handler and the fallback are called, and in their Reactor
         * {@code Context}. A handling finds its publish through the {@linkplain #contextRegistry context registry}'s
         * observation accessor, which the default registry has: keep it in a registry of your own.
         */
        public Builder observationRegistry(ObservationRegistry registry) {
            this.observations = Objects.requireNonNull(registry, "registry");
            return this;
        }

        /**
         * Make each handling's {@link BusObservations#PROCESS} observation a child of its event's publish or a trace of
         * its own linked to it, as {@code mode} says (default {@link ProcessingTrace#CHILD}: one tree per request).
         * A redrive of a dead letter is always {@link ProcessingTrace#LINK}ed to the letter's trace: it happens long
         * after, often under another request. Has no effect without an {@linkplain #observationRegistry observation
         * registry}.
         */
        public Builder processingTrace(ProcessingTrace mode) {
            this.processingTrace = Objects.requireNonNull(mode, "mode");
            return this;
        }

        /**
         * Keep durable event types on {@code transport} (default: none, and registering a durable type is an {@link
         * IllegalStateException}): their events are appended to its partition streams and their subscribers read
         * them through it (docs/DESIGN.md, "Durable types"). One transport serves one bus. The bus does not close it:
         * close it after the bus's {@link EventBus#close()} completed.
         */
        public Builder transport(EventTransport transport) {
            this.transport = Objects.requireNonNull(transport, "transport");
            return this;
        }

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
