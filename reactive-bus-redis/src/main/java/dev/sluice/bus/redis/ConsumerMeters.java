package dev.sluice.bus.redis;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.ToDoubleFunction;

/**
 * Binds one durable subscriber's {@link ConsumerMeter}s to a registry: gauges read the consumer's last sample ({@code
 * NaN} before the first), counters read its counters. Bind once per registry; reading never touches Redis. {@link
 * #register} returns the meters, so that the transport can remove them when the consumer closes (a subscriber
 * consumed again then gets meters of its new consumer, not the closed one's). Thread-safe.
 */
final class ConsumerMeters implements MeterBinder {

    private final StreamConsumer<?> consumer;
    private final Tags tags;

    ConsumerMeters(StreamConsumer<?> consumer, String type, String subscriber) {
        this.consumer = Objects.requireNonNull(consumer, "consumer");
        this.tags = Tags.of("type", Objects.requireNonNull(type, "type"), "subscriber", subscriber);
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        register(registry);
    }

    /** Register every {@link ConsumerMeter} of the consumer with {@code registry}; returns the meters registered. */
    List<Meter> register(MeterRegistry registry) {
        ConsumerStats stats = consumer.stats();
        List<Meter> meters = new ArrayList<>();
        meters.add(gauge(registry, ConsumerMeter.LAG, s -> sampled(s) ? last(s).lag() : Double.NaN, stats));
        meters.add(gauge(registry, ConsumerMeter.PENDING, s -> sampled(s) ? last(s).pending() : Double.NaN, stats));
        meters.add(gauge(
                registry,
                ConsumerMeter.OLDEST_PENDING_AGE,
                s -> sampled(s) ? last(s).oldestPendingAgeMillis() / 1000.0 : Double.NaN,
                stats));
        meters.add(counter(registry, ConsumerMeter.REDELIVERIES, ConsumerStats::redeliveries, stats));
        meters.add(counter(registry, ConsumerMeter.OWNERSHIP_CHANGES, ConsumerStats::ownershipChanges, stats));
        meters.add(counter(registry, ConsumerMeter.ACKS_REFUSED, ConsumerStats::refusedAcks, stats));
        meters.add(counter(registry, ConsumerMeter.RELEASED, ConsumerStats::released, stats));
        meters.add(Gauge.builder(ConsumerMeter.PARTITIONS_OWNED.meterName(), consumer, c -> c.owned()
                        .size())
                .description(ConsumerMeter.PARTITIONS_OWNED.description())
                .baseUnit(ConsumerMeter.PARTITIONS_OWNED.baseUnit())
                .tags(tags)
                .register(registry));
        return meters;
    }

    private Meter gauge(
            MeterRegistry registry, ConsumerMeter meter, ToDoubleFunction<ConsumerStats> value, ConsumerStats stats) {
        return Gauge.builder(meter.meterName(), stats, value)
                .description(meter.description())
                .baseUnit(meter.baseUnit())
                .tags(tags)
                .register(registry);
    }

    private Meter counter(
            MeterRegistry registry, ConsumerMeter meter, ToDoubleFunction<ConsumerStats> value, ConsumerStats stats) {
        return FunctionCounter.builder(meter.meterName(), stats, value)
                .description(meter.description())
                .baseUnit(meter.baseUnit())
                .tags(tags)
                .register(registry);
    }

    private static boolean sampled(ConsumerStats stats) {
        return stats.last() != null;
    }

    private static ConsumerStats.Snapshot last(ConsumerStats stats) {
        return Objects.requireNonNull(stats.last(), "sampled");
    }
}
