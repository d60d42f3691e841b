package dev.sluice.bus.redis;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.Objects;
import java.util.function.ToDoubleFunction;

/**
 * Binds one durable subscriber's {@link ConsumerMeter}s to a registry: gauges read the consumer's last sample ({@code
 * NaN} before the first), counters read its counters. Bind once per registry; reading never touches Redis.
 * Thread-safe.
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
        ConsumerStats stats = consumer.stats();
        gauge(registry, ConsumerMeter.LAG, s -> sampled(s) ? last(s).lag() : Double.NaN, stats);
        gauge(registry, ConsumerMeter.PENDING, s -> sampled(s) ? last(s).pending() : Double.NaN, stats);
        gauge(
                registry,
                ConsumerMeter.OLDEST_PENDING_AGE,
                s -> sampled(s) ? last(s).oldestPendingAgeMillis() / 1000.0 : Double.NaN,
                stats);
        counter(registry, ConsumerMeter.REDELIVERIES, ConsumerStats::redeliveries, stats);
        counter(registry, ConsumerMeter.OWNERSHIP_CHANGES, ConsumerStats::ownershipChanges, stats);
        counter(registry, ConsumerMeter.ACKS_REFUSED, ConsumerStats::refusedAcks, stats);
        counter(registry, ConsumerMeter.RELEASED, ConsumerStats::released, stats);
        Gauge.builder(ConsumerMeter.PARTITIONS_OWNED.meterName(), consumer, c -> c.owned()
                        .size())
                .description(ConsumerMeter.PARTITIONS_OWNED.description())
                .baseUnit(ConsumerMeter.PARTITIONS_OWNED.baseUnit())
                .tags(tags)
                .register(registry);
    }

    private void gauge(
            MeterRegistry registry, ConsumerMeter meter, ToDoubleFunction<ConsumerStats> value, ConsumerStats stats) {
        Gauge.builder(meter.meterName(), stats, value)
                .description(meter.description())
                .baseUnit(meter.baseUnit())
                .tags(tags)
                .register(registry);
    }

    private void counter(
            MeterRegistry registry, ConsumerMeter meter, ToDoubleFunction<ConsumerStats> value, ConsumerStats stats) {
        FunctionCounter.builder(meter.meterName(), stats, value)
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
