package dev.sluice.bus;

import dev.sluice.bus.internal.Channel;
import dev.sluice.bus.internal.SubscriberWorker;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
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
            counter(BusMeters.EVENTS_PUBLISHED, channel, c -> c.published.sum())
                    .tag("type", type)
                    .register(meters);
            counter(BusMeters.EVENTS_UNROUTED, channel, c -> c.unrouted.sum())
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
            counter(BusMeters.EVENTS_HANDLED, worker, w -> w.handled(outcome))
                    .tag("type", type)
                    .tag("subscriber", subscriber)
                    .tag("outcome", outcome.name().toLowerCase(Locale.ROOT))
                    .register(meters);
        }
        for (DeadLetterReason reason : DeadLetterReason.values()) {
            counter(BusMeters.DEAD_LETTERS_WRITTEN, worker, w -> w.lettersWritten(reason))
                    .tag("subscriber", subscriber)
                    .tag("reason", reason.name())
                    .register(meters);
        }
        counter(BusMeters.EVENTS_DROPPED, worker, w -> w.stats().dropped())
                .tag("type", type)
                .tag("subscriber", subscriber)
                .register(meters);
        worker.timeHandlingWith(io.micrometer.core.instrument.Timer.builder(BusMeters.HANDLER_DURATION.meterName())
                .description(BusMeters.HANDLER_DURATION.description())
                .tag("type", type)
                .tag("subscriber", subscriber)
                .register(meters));
        Gauge.builder(BusMeters.INBOX_SIZE.meterName(), worker, w -> w.inbox().size())
                .description(BusMeters.INBOX_SIZE.description())
                .baseUnit(BusMeters.INBOX_SIZE.baseUnit())
                .tag("type", type)
                .tag("subscriber", subscriber)
                .register(meters);
        Gauge.builder(BusMeters.EVENTS_IN_FLIGHT.meterName(), worker, w -> w.stats()
                        .inFlight())
                .description(BusMeters.EVENTS_IN_FLIGHT.description())
                .baseUnit(BusMeters.EVENTS_IN_FLIGHT.baseUnit())
                .tag("type", type)
                .tag("subscriber", subscriber)
                .register(meters);
    }

    private static <S> FunctionCounter.Builder<S> counter(
            BusMeters meter, S source, java.util.function.ToDoubleFunction<S> count) {
        return FunctionCounter.builder(meter.meterName(), source, count)
                .description(meter.description())
                .baseUnit(meter.baseUnit());
    }
}
