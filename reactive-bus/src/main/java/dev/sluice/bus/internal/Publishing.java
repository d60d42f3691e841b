package dev.sluice.bus.internal;

import dev.sluice.bus.DeadLetterReason;
import dev.sluice.bus.Event;
import dev.sluice.bus.EventType;
import dev.sluice.bus.InvalidEventException;
import dev.sluice.bus.PublishReceipt;
import io.micrometer.context.ContextRegistry;
import io.micrometer.context.ContextSnapshot;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.util.context.ContextView;

/**
 * A bus's publishing: validates an event once, stamps it (id, {@code publishedAt}, correlation and causation ids, the
 * publisher's context), and fans it out
 * to every current subscriber of its type (docs/DESIGN.md promises 2 and 3): each gets the event in its inbox or a dead
 * letter for it, whatever happens to the publish afterwards. Also publishes the bus's own system events, best effort.
 * Thread-safe: any number of threads may publish at once; nothing here blocks or takes a lock.
 */
public final class Publishing {

    /** Reads an event type's key extractor, which only the API package can call. */
    @FunctionalInterface
    public interface KeyOf {
        /** Return the key {@code type}'s extractor gives {@code payload} (an instance of its payload class). */
        @Nullable
        String keyOf(EventType<?> type, Object payload);
    }

    private final Channels channels;
    private final Lifecycle lifecycle;
    private final Clock clock;
    private final KeyOf keys;
    private final ContextCapture contexts;
    private final ObservationRegistry observations;
    private final boolean linkProcessing;

    /**
     * Create the publishing of a bus whose types are {@code channels}, timestamping with {@code clock}, keying events
     * published without a key with {@code keys}, capturing the publisher's context through the accessors of {@code
     * contexts}, observing publishes (and, through {@link #observations()}, handlings) in {@code observations}, a
     * handling linked to its publish's trace if {@code linkProcessing}, else its child.
     */
    public Publishing(
            Channels channels,
            Lifecycle lifecycle,
            Clock clock,
            KeyOf keys,
            ContextRegistry contexts,
            ObservationRegistry observations,
            boolean linkProcessing) {
        this.channels = channels;
        this.lifecycle = lifecycle;
        this.clock = clock;
        this.keys = keys;
        this.contexts = new ContextCapture(contexts);
        this.observations = observations;
        this.linkProcessing = linkProcessing;
    }

    /** Return where publishes and handlings are observed ({@code ObservationRegistry.NOOP}: nowhere). */
    ObservationRegistry observations() {
        return observations;
    }

    /** Return whether a handling's observation is linked to its publish's trace rather than its child. */
    boolean linkProcessing() {
        return linkProcessing;
    }

    /**
     * Publish {@code payload} as a new event of {@code type} with ordering key {@code key} (null: the type's key
     * extractor's). Lazy; see {@code EventBus.publish(EventType, String, Object)} for what is emitted and signalled.
     */
    public <T> Mono<PublishReceipt> publish(EventType<T> type, @Nullable String key, T payload) {
        return Mono.deferContextual(context -> {
            Channel<?> found = channels.find(type.name());
            RuntimeException problem = problem(found, type, payload);
            if (problem != null) {
                return Mono.error(problem);
            }
            @SuppressWarnings("unchecked")
            Channel<T> channel = (Channel<T>) Objects.requireNonNull(found);
            Map<String, String> headers = headersFrom(context);
            long now = clock.millis();
            String id = EventIds.next(now);
            String eventKey = key != null ? key : keys.keyOf(type, payload);
            if (!observations.isNoop()) {
                return observed(channel, id, eventKey, payload, headers, now, context);
            }
            // a durable event leaves the process: only its headers travel (the transport stores them verbatim)
            ContextSnapshot captured = channel.durable == null ? contexts.capture(context, true) : contexts.none();
            Event<T> event =
                    new Event<>(id, channel.type(), eventKey, payload, headers, Instant.ofEpochMilli(now), captured);
            return route(channel, event);
        });
    }

    /**
     * Publish as {@link #publish(EventType, String, Object)} does, under a {@code sluice.publish} observation: its
     * trace context goes into the event's headers, and the event's {@link PublishedContext} carries it to the
     * handlings, its children.
     */
    private <T> Mono<PublishReceipt> observed(
            Channel<T> channel,
            String id,
            @Nullable String key,
            T payload,
            Map<String, String> headers,
            long now,
            ContextView context) {
        Map<String, String> carrier = new HashMap<>(headers);
        Observation publish =
                EventObservations.publish(observations, channel.type().name(), id, carrier, context);
        ContextSnapshot captured = channel.durable == null
                ? new PublishedContext(contexts.capture(context, false), publish)
                : contexts.none();
        Event<T> event = new Event<>(id, channel.type(), key, payload, carrier, Instant.ofEpochMilli(now), captured);
        return route(channel, event).doOnError(publish::error).doFinally(signal -> publish.stop());
    }

    /** Publish an already built event, keeping its id, key, headers and {@code publishedAt}. Lazy. */
    public <T> Mono<PublishReceipt> publish(Event<T> event) {
        return Mono.defer(() -> {
            Channel<?> found = channels.find(event.type().name());
            RuntimeException problem = problem(found, event.type(), event.payload());
            if (problem != null) {
                return Mono.error(problem);
            }
            @SuppressWarnings("unchecked")
            Channel<T> channel = (Channel<T>) Objects.requireNonNull(found);
            return route(channel, event);
        });
    }

    /**
     * Publish every payload of {@code payloads} as a new event of the durable {@code type} (its registered channel is
     * durable), appended in order through the transport's {@code appendAll}: pipelined per partition, each payload
     * validated, stamped and observed as {@link #publish(EventType, String, Object)} does (one {@code sluice.publish}
     * per event, stopped at its receipt, with the error if the batch fails first). Lazy; see {@code
     * EventBus.publishAll}.
     */
    public <T> Flux<PublishReceipt> publishAll(EventType<T> type, Publisher<? extends T> payloads) {
        return Flux.deferContextual(context -> {
            Channel<?> found = channels.find(type.name());
            DurableRoute route = found == null ? null : found.durable;
            if (found == null || route == null) {
                return Flux.error(new IllegalStateException("event type '" + type.name() + "' is not durable"));
            }
            @SuppressWarnings("unchecked")
            Channel<T> channel = (Channel<T>) found;
            Map<String, String> headers = headersFrom(context);
            // per subscription: the publish observation of every event sent and not yet acknowledged, by id
            Map<String, Observation> open = observations.isNoop() ? Map.of() : new ConcurrentHashMap<>();
            Flux<Event<T>> events = Flux.<T>from(payloads).handle((payload, sink) -> {
                RuntimeException problem = problem(channel, type, payload);
                if (problem != null) {
                    sink.error(problem);
                    return;
                }
                long now = clock.millis();
                String id = EventIds.next(now);
                Map<String, String> eventHeaders = headers;
                if (!observations.isNoop()) {
                    eventHeaders = new HashMap<>(headers);
                    open.put(id, EventObservations.publish(observations, type.name(), id, eventHeaders, context));
                }
                sink.next(new Event<>(
                        id,
                        channel.type(),
                        keys.keyOf(type, payload),
                        payload,
                        eventHeaders,
                        Instant.ofEpochMilli(now)));
            });
            Flux<PublishReceipt> receipts = DurablePublishing.appendAll(channel, route, events);
            if (observations.isNoop()) {
                return receipts;
            }
            return receipts.doOnNext(receipt -> stop(open, receipt.eventId(), null))
                    .doOnError(error -> open.keySet().forEach(id -> stop(open, id, error)))
                    .doFinally(signal -> open.keySet().forEach(id -> stop(open, id, null)));
        });
    }

    /** Stop the open publish observation of event {@code id}, if still open, with {@code error} (null: none). */
    private static void stop(Map<String, Observation> open, String id, @Nullable Throwable error) {
        Observation observation = open.remove(id); // remove first: a receipt and a cancel may race to stop it
        if (observation == null) {
            return;
        }
        if (error != null) {
            observation.error(error);
        }
        observation.stop();
    }

    /**
     * Return the headers a new event takes from the publish's Reactor {@code Context}: {@value Event#CORRELATION_ID}
     * and {@value Event#CAUSATION_ID} (every handler's context holds the handled event's id under the latter, so an
     * event a handler publishes names its cause). Allocates nothing when neither is there.
     */
    static Map<String, String> headersFrom(ContextView context) {
        if (context.isEmpty()) {
            return Map.of();
        }
        Object correlation = context.getOrDefault(Event.CORRELATION_ID, null);
        Object causation = context.getOrDefault(Event.CAUSATION_ID, null);
        if (correlation == null) {
            return causation == null ? Map.of() : Map.of(Event.CAUSATION_ID, causation.toString());
        }
        return causation == null
                ? Map.of(Event.CORRELATION_ID, correlation.toString())
                : Map.of(Event.CORRELATION_ID, correlation.toString(), Event.CAUSATION_ID, causation.toString());
    }

    /** Publish a system event, best effort: nobody listening, or a closed bus, means it is not published. */
    <X> void publishSystem(EventType<X> type, X payload) {
        Channel<?> channel = channels.find(type.name());
        if (lifecycle.closed() || channel == null) {
            return; // nobody listens: system events are best effort
        }
        @SuppressWarnings("unchecked")
        Channel<X> typed = (Channel<X>) channel;
        long now = clock.millis();
        Event<X> event = new Event<>(EventIds.next(now), type, null, payload, Map.of(), Instant.ofEpochMilli(now));
        route(typed, event).subscribe(); // best-effort subscribers only: completes at once, never waits
    }

    /**
     * Return why {@code payload} cannot be published as {@code type} on {@code channel} (the type's registered
     * channel, or null), or null if it can. Each check runs once; an exception is built only for a bad event.
     */
    private @Nullable RuntimeException problem(@Nullable Channel<?> channel, EventType<?> type, Object payload) {
        if (lifecycle.closed()) {
            return lifecycle.closedError();
        }
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
        String violation = violationOf(type, payload);
        return violation == null ? null : new InvalidEventException(type.name(), "payload invalid: " + violation);
    }

    @SuppressWarnings("unchecked")
    private static <T> @Nullable String violationOf(EventType<T> type, Object payload) {
        return type.violationOf((T) payload); // the payload is an instance of the type's class: checked before
    }

    private static <T> Mono<PublishReceipt> route(Channel<T> channel, Event<T> event) {
        DurableRoute durable = channel.durable;
        if (durable != null) { // the one check a durable type adds to publishing
            return DurablePublishing.append(channel, durable, event);
        }
        SubscriberWorker<T>[] workers = channel.workers();
        channel.published.increment();
        if (channel.observers.observed()) {
            channel.observers.emit(event);
        }
        if (workers.length == 0) {
            channel.unrouted.increment();
            return Mono.just(new PublishReceipt(event.id(), 0, 0));
        }
        return fanOut(event, workers);
    }

    /** Fan {@code event} out to {@code workers}; the {@code Mono} emits the receipt once every inbox decided. */
    static <T> Mono<PublishReceipt> fanOut(Event<T> event, SubscriberWorker<T>[] workers) {
        int delivered = 0;
        int overflowed = 0;
        List<Mono<Boolean>> waits = null;
        for (SubscriberWorker<T> worker : workers) {
            if (!worker.accept()) {
                continue; // it left before this event reached it: as if it had been removed a moment sooner
            }
            Inbox<Event<T>> inbox = worker.inbox;
            boolean refusing = worker.storeRefusing();
            // overflow mode (promise 2): dead-letter at once, even into free slots, until the inbox is below half
            if (!refusing && inbox.overflowing()) {
                worker.deadLetterNow(event, DeadLetterReason.INBOX_OVERFLOW).subscribe();
                overflowed++;
                continue;
            }
            int offered = inbox.offer(event);
            if (offered == Inbox.ACCEPTED) {
                delivered++;
            } else if (worker.settings.bestEffort()) {
                worker.drop(); // system events never wait and never become dead letters
            } else if (offered == Inbox.CLOSED) {
                worker.deadLetterNow(event, worker.closingReason()).subscribe();
                overflowed++;
            } else if (refusing || worker.storeRefusing()) {
                waits = add(waits, new RoomWait<>(worker, event).start());
            } else if (worker.settings.deadLetterOnOverflow()) {
                worker.deadLetterNow(event, DeadLetterReason.INBOX_OVERFLOW).subscribe();
                overflowed++;
            } else {
                waits = add(waits, new RoomWait<>(worker, event).start());
            }
        }
        if (waits == null) {
            return Mono.just(new PublishReceipt(event.id(), delivered, overflowed));
        }
        int tookAtOnce = delivered;
        int overflowedAtOnce = overflowed;
        return Flux.merge(waits)
                .reduce(new int[] {tookAtOnce, overflowedAtOnce}, (counts, took) -> {
                    counts[took ? 0 : 1]++;
                    return counts;
                })
                .map(counts -> new PublishReceipt(event.id(), counts[0], counts[1]));
    }

    private static List<Mono<Boolean>> add(@Nullable List<Mono<Boolean>> waits, Mono<Boolean> wait) {
        List<Mono<Boolean>> list = waits == null ? new ArrayList<>(2) : waits;
        list.add(wait);
        return list;
    }
}
