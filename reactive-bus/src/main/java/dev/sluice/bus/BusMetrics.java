package dev.sluice.bus;

import dev.sluice.bus.internal.Channel;
import dev.sluice.bus.internal.SubscriberWorker;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.Locale;
import java.util.Objects;

/**
 * Micrometer binder for a bus: the meters of {@link BusMeters}, read from the bus's own counters (function counters
 * and gauges), so binding costs nothing per event, except {@code sluice.handler.duration}: once bound, each event's
 * handling is timed (two {@code System.nanoTime()} reads and a timer update). Binds the types and subscribers present when {@link #bindTo} runs:
 * bind after subscribing (a subscriber added later is not bound). Meters of a disposed subscriber keep their last
 * values.
 */
public final class BusMetrics implements MeterBinder {

    private final EventBus bus;

    private BusMetrics(EventBus bus) {
        this.bus = bus;
    }

    /** Return a binder for {@code bus}. */
    public static BusMetrics of(EventBus bus) {
        return new BusMetrics(Objects.requireNonNull(bus, "bus"));
    }

    @Override
    public void bindTo(MeterRegistry meters) {
        for (Channel<?> channel : bus.channels().values()) {
            String type = channel.type().name();
            BusMeters.EVENTS_PUBLISHED
                    .doc()
                    .counter(channel, c -> c.published.sum())
                    .tag("type", type)
                    .register(meters);
            BusMeters.EVENTS_UNROUTED
                    .doc()
                    .counter(channel, c -> c.unrouted.sum())
                    .tag("type", type)
                    .register(meters);
            for (SubscriberWorker<?> worker : channel.workers()) {
                bindSubscriber(meters, type, worker);
            }
        }
    }

    private static void bindSubscriber(MeterRegistry meters, String type, SubscriberWorker<?> worker) {
        String subscriber = worker.name();
        for (Outcome outcome : new Outcome[] {Outcome.DELIVERED, Outcome.RECOVERED, Outcome.DEAD_LETTERED}) {
            BusMeters.EVENTS_HANDLED
                    .doc()
                    .counter(worker, w -> w.handled(outcome))
                    .tag("type", type)
                    .tag("subscriber", subscriber)
                    .tag("outcome", outcome.name().toLowerCase(Locale.ROOT))
                    .register(meters);
        }
        for (DeadLetterReason reason : DeadLetterReason.values()) {
            BusMeters.DEAD_LETTERS_WRITTEN
                    .doc()
                    .counter(worker, w -> w.lettersWritten(reason))
                    .tag("subscriber", subscriber)
                    .tag("reason", reason.name())
                    .register(meters);
        }
        for (RedriveResult.Status status : RedriveResult.Status.values()) {
            BusMeters.REDRIVE_OUTCOMES
                    .doc()
                    .counter(worker, w -> w.redriver().outcomes(status))
                    .tag("subscriber", subscriber)
                    .tag("outcome", status.name().toLowerCase(Locale.ROOT))
                    .register(meters);
        }
        BusMeters.EVENTS_DROPPED
                .doc()
                .counter(worker, w -> w.stats().dropped())
                .tag("type", type)
                .tag("subscriber", subscriber)
                .register(meters);
        worker.timeHandlingWith(BusMeters.HANDLER_DURATION
                .doc()
                .timer()
                .tag("type", type)
                .tag("subscriber", subscriber)
                .register(meters));
        BusMeters.INBOX_SIZE
                .doc()
                .gauge(worker, w -> w.inbox().size())
                .tag("type", type)
                .tag("subscriber", subscriber)
                .register(meters);
        BusMeters.EVENTS_IN_FLIGHT
                .doc()
                .gauge(worker, w -> w.stats().inFlight())
                .tag("type", type)
                .tag("subscriber", subscriber)
                .register(meters);
    }
}
