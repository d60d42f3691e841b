package dev.sluice.bus;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.Objects;

/**
 * Micrometer binder for a bus: the meters of {@link BusMeters}, read from the bus's own counters (function counters
 * and gauges), so binding costs nothing per event, except {@code sluice.handler.duration}: once bound, each event's
 * handling is timed (two {@code System.nanoTime()} reads and a timer update). A bus with an observation registry does
 * not bind {@code sluice.handler.duration}: its {@code sluice.process} observation measures that time, and a meter
 * handler derives the timer {@code sluice.process} from it ({@link BusMeters#PROCESS_OBSERVED}). Binds the types and subscribers present when
 * {@link #bindTo} runs and those added later. Meters of a disposed subscriber keep their last values until a subscriber
 * of the same name is added, whose meters replace them.
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
        bus.subscriptions().bindMetrics(meters);
    }
}
