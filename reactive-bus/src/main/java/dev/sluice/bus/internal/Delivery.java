package dev.sluice.bus.internal;

import dev.sluice.bus.DeadLetter;
import dev.sluice.bus.DeadLetterReason;
import dev.sluice.bus.Event;
import dev.sluice.bus.Outcome;
import dev.sluice.policy.Failure;
import io.micrometer.observation.Observation;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Subscription;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.CoreSubscriber;
import reactor.core.Exceptions;
import reactor.core.publisher.Mono;
import reactor.core.publisher.SignalType;
import reactor.util.context.Context;

/**
 * One event's handling by one subscriber, and its accounting when it ends (docs/DESIGN.md promise 1). The delivery is
 * the handler call the policy guards (each subscription calls the handler), the policy's per-call fallback (the
 * subscriber's fallback, or a dead letter) and the subscriber of the policy's {@code Mono}: one object per event, so
 * the worker's side of a success allocates nothing else. The accounting happens exactly once (the CAS to {@code
 * ENDED}), whichever of completion, error and cancel comes first. An {@link ObservedDelivery} (the bus has an
 * observation registry) adds its observation through the hooks {@link #handlingStarted}, {@link #failed} and {@link
 * #handlingEnded}, which do nothing here, so an unobserved delivery carries no field for it.
 */
sealed class Delivery<T> extends Mono<Void> implements Function<Failure, Mono<Void>>, CoreSubscriber<Void>
        permits ObservedDelivery {

    private static final Logger log = LoggerFactory.getLogger(Delivery.class);

    @SuppressWarnings("rawtypes")
    private static final AtomicIntegerFieldUpdater<Delivery> STATE =
            AtomicIntegerFieldUpdater.newUpdater(Delivery.class, "state");

    // ints, not an enum: the state moves by CAS on a field updater, with nothing allocated per event
    private static final int WAITING = 0, RUNNING = 1, ENDED = 2;

    final SubscriberWorker<T> worker;
    final Event<T> event;
    /** The reader's slot this delivery holds until it ends. */
    final int slot;

    private volatile @Nullable Subscription upstream;
    // WAITING (for its key), RUNNING (in its handler, holding its key), ENDED; ENDED before the reader asks for
    // more, so a half-open breaker counting RUNNING events may let the next one through
    private volatile int state;
    private volatile boolean cancelled;
    private volatile @Nullable Throwable unexpected;
    // set by the per-call fallback: RECOVERED or DEAD_LETTERED; null if the handler's own completion ends the event
    private volatile @Nullable Outcome outcome;
    private volatile @Nullable DeadLetter started; // a letter whose write began: rewritten, not replaced, on cancel
    private long startNanos;

    Delivery(SubscriberWorker<T> worker, Event<T> event, int slot) {
        this.worker = worker;
        this.event = event;
        this.slot = slot;
    }

    /** Return whether the event is in its handler now (not waiting for its key, not ended). */
    boolean running() {
        return state == RUNNING;
    }

    /** Recover with the subscriber's fallback, or dead-letter: the policy's per-call fallback, on failure only. */
    @Override
    public Mono<Void> apply(Failure failure) {
        SubscriberSettings<T> settings = worker.settings;
        var fallback = settings.fallback();
        failed(failure, fallback != null);
        if (fallback == null) {
            return letter(
                    Letters.reasonOf(failure, settings.policy().classifier()),
                    failure.error(),
                    null,
                    failure.attempts());
        }
        return HandlerCall.recovery(fallback, event, failure, settings.name(), observation())
                .then(Mono.fromRunnable(() -> outcome = Outcome.RECOVERED))
                .onErrorResume(fallbackError ->
                        letter(DeadLetterReason.FALLBACK_FAILED, fallbackError, failure.error(), failure.attempts()))
                .then();
    }

    private Mono<Void> letter(
            DeadLetterReason reason, @Nullable Throwable error, @Nullable Throwable cause, int attempts) {
        DeadLetter letter = worker.letters.letterOf(letterEvent(), reason, error, cause, attempts);
        started = letter;
        return worker.letters.write(letter).doOnSuccess(ok -> outcome = Outcome.DEAD_LETTERED);
    }

    /**
     * Run the handler under the policy, for an event that waited for its key: on the thread that passed the key
     * on, which may race a dispose cancelling it.
     */
    void start() {
        if (worker.shutdown.halted()) { // shutdown cancelled the worker before this event's turn: do not start it now
            end(SignalType.CANCEL);
        }
        if (state != WAITING || !STATE.compareAndSet(this, WAITING, RUNNING)) {
            passOn(); // cancelled while it waited: it has its letter, and its key goes to the next event
            return;
        }
        run();
    }

    /** Run the handler under the policy, for an event just taken (on the drainer: nothing can cancel it yet). */
    void startNow() {
        STATE.lazySet(this, RUNNING);
        run();
    }

    private void run() {
        startNanos = worker.counters.handlingStarts();
        handlingStarted();
        try {
            worker.settings.policy().apply(this, this).subscribe(this);
        } catch (Throwable error) { // a policy that throws from subscribe breaks the rules; keep the worker alive
            Exceptions.throwIfJvmFatal(error);
            onError(error);
        }
    }

    /** Call the handler: the policy subscribes once per attempt. */
    @Override
    public void subscribe(CoreSubscriber<? super Void> attempt) {
        HandlerCall.call(worker.settings.handler(), event, worker.settings.name(), observation(), attempt);
    }

    /** Hook: the handling starts (once, before the first attempt). */
    void handlingStarted() {}

    /** Hook: the policy gave up with {@code failure}; the fallback runs next if {@code recovering}, else a letter. */
    void failed(Failure failure, boolean recovering) {}

    /** Hook: return the event as its dead letter records it (an observed delivery adds the failed trace). */
    Event<T> letterEvent() {
        return event;
    }

    /** Hook: the event's outcome is {@code outcome} (a letter may still be on its way to the store). */
    void handlingEnded(Outcome outcome) {}

    /** Return the handling's observation, current while the handler and fallback are called; null: none. */
    @Nullable
    Observation observation() {
        return null;
    }

    /** Cancel the handling (dispose or close ran out of grace); the event dead-letters itself. */
    void cancel() {
        cancelled = true; // then look at upstream; onSubscribe sets upstream, then looks at cancelled
        Subscription s = upstream;
        if (s != null) {
            s.cancel();
        }
        end(SignalType.CANCEL);
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
        // should not happen (the per-call fallback ends in a recovery or a durable letter); if it does, the event
        // still gets an outcome (a PERMANENT_ERROR letter), the worker stays alive, and the log says so
        try (EventMdc mdc = EventMdc.of(event)) {
            log.error("Subscriber '{}': unexpected error handling event {}", worker.settings.name(), event.id(), error);
        }
        unexpected = error;
        end(SignalType.ON_ERROR);
    }

    @Override
    public void onComplete() {
        end(SignalType.ON_COMPLETE);
    }

    private void end(SignalType signal) {
        int was;
        do {
            was = state;
            if (was == ENDED) {
                return;
            }
        } while (!STATE.compareAndSet(this, was, ENDED));
        if (was == RUNNING) {
            worker.counters.handlingEnded(startNanos);
        }
        DeadLettering<T> letters = worker.letters;
        switch (signal) {
            case ON_COMPLETE, ON_ERROR -> {
                Outcome ended = outcome;
                Throwable error = unexpected;
                if (error != null && ended == null) {
                    handlingEnded(Outcome.DEAD_LETTERED);
                    letters.writeAndCount(letters.letterOf(event, DeadLetterReason.PERMANENT_ERROR, error, null, 0))
                            .subscribe();
                } else {
                    Outcome result = ended == null ? Outcome.DELIVERED : ended;
                    handlingEnded(result);
                    worker.counters.ended(result);
                }
            }
            default -> { // cancelled by dispose or close before it ended
                if (was == RUNNING) {
                    handlingEnded(Outcome.DEAD_LETTERED);
                }
                DeadLetter letter = started;
                // a letter already on its way is written again under the same letterId (writes are idempotent),
                // so a write that was durable just before the cancel cannot become two letters
                (letter != null ? letters.writeAndCount(letter) : letters.deadLetterNow(event, worker.closingReason()))
                        .subscribe();
            }
        }
        worker.reader.ended(this);
        if (was == RUNNING) {
            passOn(); // an event cancelled while it waited passes its key on when its turn comes (start)
        }
    }

    private void passOn() {
        String key = worker.settings.orderedByKey() ? event.key() : null;
        if (key != null) {
            worker.keys.release(key);
        }
    }
}
