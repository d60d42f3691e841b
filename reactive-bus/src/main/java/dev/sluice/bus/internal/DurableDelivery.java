package dev.sluice.bus.internal;

import dev.sluice.bus.BusObservations;
import dev.sluice.bus.DeadLetter;
import dev.sluice.bus.DeadLetterReason;
import dev.sluice.bus.Event;
import dev.sluice.bus.Outcome;
import dev.sluice.bus.spi.Received;
import dev.sluice.bus.spi.Undecodable;
import dev.sluice.policy.Failure;
import io.micrometer.observation.Observation;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Subscription;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.CoreSubscriber;
import reactor.core.Exceptions;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Operators;
import reactor.util.context.Context;

/**
 * One durable entry's handling by one subscriber on this instance (docs/DESIGN.md, "Durable types"): as {@link
 * Delivery} is for an in-process event — the handler under the policy, the per-call fallback or dead letter, exactly
 * one end — with what a durable entry adds. Just before the handler starts, before each retry or hedge, and before the
 * fallback or letter of a failure, the consumer is asked whether this instance may still start it ({@code mayStart}:
 * the partition's lease is held); if not, or the subscriber is stopping, the entry is released, its handling
 * cancelled. An entry that could not be decoded becomes a {@code
 * DESERIALIZATION_FAILED} letter carrying its raw payload, and one whose deliveries ended in no outcome more often
 * than the subscriber's limit a {@code DELIVERY_LIMIT} letter, both without calling the handler. Every letter of the
 * entry is written under the id derived from (type, partition, entry id, subscriber), to the store itself (never a
 * journal). Once the outcome is final the entry's key and concurrency slot go to the next entry, and {@link
 * Settlement} acknowledges it; cancelled (grace over), it is released.
 */
final class DurableDelivery<T> extends Mono<Void> implements Function<Failure, Mono<Void>>, CoreSubscriber<Void> {

    private static final Logger log = LoggerFactory.getLogger(DurableDelivery.class);

    @SuppressWarnings("rawtypes")
    private static final AtomicIntegerFieldUpdater<DurableDelivery> STATE =
            AtomicIntegerFieldUpdater.newUpdater(DurableDelivery.class, "state");

    private static final int WAITING = 0, RUNNING = 1, ENDED = 2;

    /** How an entry's handling ended. */
    private enum End {
        /** The policy's Mono completed: the outcome is final. */
        COMPLETED,
        /** The policy's Mono failed, which it should not. */
        FAILED,
        /** Not started (fenced, stopping) or cancelled: hand it back. */
        RELEASED
    }

    private final DurableWorker<T> worker;
    private final Received<T> entry;
    private volatile @Nullable Subscription upstream;
    private volatile int state;
    private volatile boolean cancelled;
    private volatile boolean inHandler;
    private volatile boolean attempted;
    private volatile @Nullable Throwable unexpected;
    private volatile @Nullable Outcome outcome;
    // the handling's sluice.process observation and its last failure: null on a bus without an observation registry
    private volatile @Nullable Observation observation;
    private volatile @Nullable Throwable lastError;
    private long startNanos;

    DurableDelivery(DurableWorker<T> worker, Received<T> entry) {
        this.worker = worker;
        this.entry = entry;
    }

    /** Start now, or queue behind the entry's key; on the drainer. */
    void begin() {
        String key = worker.settings.orderedByKey() ? keyOf(entry) : null;
        if (key == null || worker.keys.take(key, this::start)) {
            start();
        }
    }

    private static @Nullable String keyOf(Received<?> entry) {
        Event<?> event = entry.event();
        if (event != null) {
            return event.key();
        }
        Undecodable raw = entry.undecodable();
        return raw == null ? null : raw.key();
    }

    /** Start the handling: on the drainer, or on the thread that passed the key on. */
    void start() {
        if (state != WAITING || !STATE.compareAndSet(this, WAITING, RUNNING)) {
            passOn(); // cancelled while it waited: released already; the key goes to the next entry
            return;
        }
        if (worker.feed.stopped() || !mayStart()) {
            end(End.RELEASED); // fenced (the partition has a new owner) or stopping: it stays pending for the owner
            return;
        }
        inHandler = true;
        worker.feed.handlingStarted();
        startNanos = worker.counters.handlingStarts();
        Mono<Void> work;
        Event<T> event = entry.event();
        if (event == null) {
            Undecodable raw = entry.undecodable();
            work = raw == null
                    ? Mono.error(new IllegalStateException(
                            "entry " + entry.entryId() + " has neither event nor" + " undecodable"))
                    : letter(worker.letters.letterOf(raw, letterId(raw.eventType())));
        } else if (entry.deliveryFailures() > worker.settings.deliveryLimit()) {
            work = letter(worker.letters.letterOf(
                    event,
                    DeadLetterReason.DELIVERY_LIMIT,
                    null,
                    null,
                    0,
                    letterId(event.type().name())));
        } else {
            if (!worker.bus.observations().isNoop()) {
                // no parent here: a tracing bridge continues (or links to) the trace in the event's headers
                observation = EventObservations.process(
                        worker.bus.observations(),
                        event,
                        worker.settings.name(),
                        worker.bus.clock().millis() - event.publishedAt().toEpochMilli(),
                        worker.bus.linkProcessing());
            }
            work = worker.settings.policy().apply(this, this);
        }
        try {
            work.subscribe(this);
        } catch (Throwable error) { // a policy that throws from subscribe breaks the rules; keep the worker alive
            Exceptions.throwIfJvmFatal(error);
            onError(error);
        }
    }

    private boolean mayStart() {
        try {
            return worker.consumer.mayStart(entry);
        } catch (RuntimeException error) {
            try (EventMdc mdc = EventMdc.of(entry)) {
                log.error(
                        "Subscriber '{}': mayStart failed for entry {}; releasing it",
                        worker.name(),
                        entry.entryId(),
                        error);
            }
            return false;
        }
    }

    private String letterId(String type) {
        return Letters.durableLetterId(type, entry.partition(), entry.entryId(), worker.settings.name());
    }

    /** Recover with the subscriber's fallback, or dead-letter: the policy's per-call fallback, on failure only. */
    @Override
    public Mono<Void> apply(Failure failure) {
        if (!mayStart()) { // the lease was lost meanwhile: the new owner handles the entry, here no fallback or letter
            cancel();
            return Mono.empty();
        }
        SubscriberSettings<T> settings = worker.settings;
        var fallback = settings.fallback();
        lastError = failure.error();
        Observation current = observation;
        if (current != null && fallback != null) {
            current.event(EventObservations.FALLBACK);
        }
        if (fallback == null) {
            return letter(
                    Letters.reasonOf(failure, settings.policy().classifier()),
                    failure.error(),
                    null,
                    failure.attempts());
        }
        return HandlerCall.recovery(fallback, event(), failure, settings.name(), observation)
                .then(Mono.fromRunnable(() -> outcome = Outcome.RECOVERED))
                .onErrorResume(fallbackError ->
                        letter(DeadLetterReason.FALLBACK_FAILED, fallbackError, failure.error(), failure.attempts()))
                .then();
    }

    private Mono<Void> letter(
            DeadLetterReason reason, @Nullable Throwable error, @Nullable Throwable cause, int attempts) {
        Event<T> event = event();
        Observation current = observation;
        Event<T> recorded = current == null
                ? event
                : EventObservations.letterEvent(worker.bus.observations(), event, worker.settings.name(), current);
        return letter(worker.letters.letterOf(
                recorded, reason, error, cause, attempts, letterId(event.type().name())));
    }

    private Mono<Void> letter(DeadLetter letter) {
        return worker.letters.writeToStore(letter).doOnSuccess(ok -> outcome = Outcome.DEAD_LETTERED);
    }

    private Event<T> event() {
        Event<T> event = entry.event();
        if (event == null) {
            throw new IllegalStateException("entry " + entry.entryId() + " has no event"); // only handled ones get here
        }
        return event;
    }

    /**
     * Call the handler: the policy subscribes once per attempt. A retry or a hedge starts a handler too, so from the
     * second attempt on the consumer is asked again whether this instance may still start one ({@code mayStart});
     * if not, the handling is cancelled and the entry released (regression: an owner paused past its lease started, on
     * resuming, the retries it had scheduled before the pause, of entries the partition's new owner was handling).
     */
    @Override
    public void subscribe(CoreSubscriber<? super Void> attempt) {
        if (attempted && !mayStart()) {
            attempt.onSubscribe(Operators.emptySubscription());
            cancel(); // cancels the policy, which subscribed this attempt: no signal reaches it any more
            return;
        }
        attempted = true;
        HandlerCall.call(worker.settings.handler(), event(), worker.settings.name(), observation, attempt);
    }

    /** Cancel the handling (the grace ran out): the entry is released, no letter. */
    void cancel() {
        cancelled = true; // then look at upstream; onSubscribe sets upstream, then looks at cancelled
        Subscription s = upstream;
        if (s != null) {
            s.cancel();
        }
        end(End.RELEASED);
    }

    @Override
    public Context currentContext() {
        return Context.empty();
    }

    @Override
    public void onSubscribe(Subscription s) {
        upstream = s;
        if (cancelled) {
            s.cancel();
        } else {
            s.request(Long.MAX_VALUE);
        }
    }

    @Override
    public void onNext(Void unused) {}

    @Override
    public void onError(Throwable error) {
        try (EventMdc mdc = EventMdc.of(entry)) {
            log.error("Subscriber '{}': unexpected error handling entry {}", worker.name(), entry.entryId(), error);
        }
        unexpected = error;
        end(End.FAILED);
    }

    @Override
    public void onComplete() {
        end(End.COMPLETED);
    }

    private void end(End how) {
        int was;
        do {
            was = state;
            if (was == ENDED) {
                return;
            }
        } while (!STATE.compareAndSet(this, was, ENDED));
        if (inHandler) {
            worker.feed.handlingEnded();
            worker.counters.handlingEnded(startNanos);
        }
        worker.feed.ended(this);
        if (was == RUNNING) {
            passOn(); // an entry cancelled while it waited passes its key on when its turn comes (start)
        }
        Settlement<T> settlement = worker.settlement;
        Outcome ended = outcome;
        observed(how, ended);
        if (how == End.RELEASED) {
            settlement.release(entry);
        } else if (how == End.FAILED && ended == null) {
            // the event still gets an outcome (a PERMANENT_ERROR letter) and is acknowledged after it
            Throwable error = unexpected;
            Event<T> event = entry.event();
            Undecodable raw = entry.undecodable();
            DeadLetter letter = event != null
                    ? worker.letters.letterOf(
                            event,
                            DeadLetterReason.PERMANENT_ERROR,
                            error,
                            null,
                            0,
                            letterId(event.type().name()))
                    : raw != null ? worker.letters.letterOf(raw, letterId(raw.eventType())) : null;
            if (letter == null) {
                settlement.release(entry); // nothing to letter it with: its next owner sees it again
            } else {
                settlement.ackAfter(worker.letters.writeToStore(letter), entry, Outcome.DEAD_LETTERED);
            }
        } else {
            settlement.ackAfter(Mono.empty(), entry, ended == null ? Outcome.DELIVERED : ended);
        }
    }

    /** Stop the handling's observation, if any: its outcome, and an error status for a letter. */
    private void observed(End how, @Nullable Outcome ended) {
        Observation current = observation;
        if (current == null) {
            return;
        }
        String result = how == End.RELEASED
                ? "released"
                : how == End.FAILED && ended == null
                        ? "dead_lettered"
                        : (ended == null ? Outcome.DELIVERED : ended).name().toLowerCase(Locale.ROOT);
        current.lowCardinalityKeyValue(BusObservations.OUTCOME, result);
        Throwable error = how == End.FAILED && ended == null ? unexpected : lastError;
        if ("dead_lettered".equals(result) && error != null) {
            current.error(error);
        }
        current.stop();
    }

    private void passOn() {
        String key = worker.settings.orderedByKey() ? keyOf(entry) : null;
        if (key != null) {
            worker.keys.release(key);
        }
    }
}
