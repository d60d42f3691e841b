package dev.sluice.bus.internal;

import dev.sluice.bus.BusObservations;
import dev.sluice.bus.Event;
import dev.sluice.bus.Outcome;
import dev.sluice.policy.Failure;
import io.micrometer.observation.Observation;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import reactor.core.CoreSubscriber;

/**
 * A {@link Delivery} on a bus with an observation registry: its handling is one {@link BusObservations#PROCESS}
 * observation, a child of the event's publish, current while the
 * handler and the fallback are called, an event for every attempt after the first and for the fallback, stopped at the outcome with an
 * error status for a dead letter, whose headers gain the failed handling's trace ({@link
 * EventObservations#letterEvent}).
 */
final class ObservedDelivery<T> extends Delivery<T> {

    // written before the policy subscribes (the handler's first call happens-after), read on any thread after
    private volatile @Nullable Observation observation;
    private volatile @Nullable Throwable lastError;
    private final AtomicInteger attempts = new AtomicInteger(); // hedges may start attempts side by side

    ObservedDelivery(SubscriberWorker<T> worker, Event<T> event, int slot) {
        super(worker, event, slot);
    }

    @Override
    void handlingStarted() {
        long waited = worker.bus.clock().millis() - event.publishedAt().toEpochMilli();
        observation = EventObservations.process(
                worker.bus.observations(), event, worker.settings.name(), waited, worker.bus.linkProcessing());
    }

    @Override
    public void subscribe(CoreSubscriber<? super Void> attempt) {
        Observation current = observation;
        if (attempts.getAndIncrement() > 0 && current != null) {
            current.event(EventObservations.RETRY);
        }
        super.subscribe(attempt);
    }

    @Override
    void failed(Failure failure, boolean recovering) {
        lastError = failure.error();
        Observation current = observation;
        if (current != null && recovering) {
            current.event(EventObservations.FALLBACK);
        }
    }

    @Override
    Event<T> letterEvent() {
        Observation current = observation;
        return current == null
                ? event
                : EventObservations.letterEvent(worker.bus.observations(), event, worker.settings.name(), current);
    }

    @Override
    void handlingEnded(Outcome outcome) {
        Observation current = observation;
        if (current == null) {
            return; // never started
        }
        current.lowCardinalityKeyValue(BusObservations.OUTCOME, outcome.name().toLowerCase(Locale.ROOT));
        Throwable error = lastError;
        if (outcome == Outcome.DEAD_LETTERED && error != null) {
            current.error(error);
        }
        current.stop();
    }

    @Override
    @Nullable
    Observation observation() {
        return observation;
    }
}
