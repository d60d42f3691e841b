package dev.sluice.policy;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import java.util.List;
import java.util.Objects;
import java.util.function.ToDoubleFunction;

/**
 * One documented Sluice meter: its name, description, base unit and (low-cardinality) tag keys, as listed in the
 * documentation enums {@link PolicyMeters} and {@code dev.sluice.bus.BusMeters}. Its builders start a Micrometer
 * meter with the name, description and base unit already set, so every registered meter carries them. Immutable.
 *
 * @param name dotted lowercase name with the {@code sluice.} prefix
 * @param description what the meter counts or measures
 * @param baseUnit the base unit ({@code calls}, {@code events}, {@code seconds}, …)
 * @param tagKeys the tag keys the meter is registered with
 */
public record MeterDoc(String name, String description, String baseUnit, List<String> tagKeys) {

    /** Validate and copy the tag keys. */
    public MeterDoc {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(baseUnit, "baseUnit");
        tagKeys = List.copyOf(tagKeys);
    }

    /** Return a function-counter builder reading {@code count} from {@code source}. */
    public <S> FunctionCounter.Builder<S> counter(S source, ToDoubleFunction<S> count) {
        return FunctionCounter.builder(name, source, count)
                .description(description)
                .baseUnit(baseUnit);
    }

    /** Return a gauge builder reading {@code value} from {@code source}. */
    public <S> Gauge.Builder<S> gauge(S source, ToDoubleFunction<S> value) {
        return Gauge.builder(name, source, value).description(description).baseUnit(baseUnit);
    }

    /** Return a timer builder (Micrometer timers always record in seconds, whatever the registry's base unit). */
    public Timer.Builder timer() {
        return Timer.builder(name).description(description);
    }
}
