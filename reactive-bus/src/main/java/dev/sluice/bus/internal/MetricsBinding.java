package dev.sluice.bus.internal;

import dev.sluice.bus.BusMeters;
import dev.sluice.bus.DeadLetterReason;
import dev.sluice.bus.Outcome;
import dev.sluice.bus.RedriveResult;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The meters of {@link BusMeters} for one registry, read from the bus's own counters (function counters and gauges),
 * so binding costs nothing per event except the handler timer, which a bus with an observation registry does without
 * (its {@code sluice.process} observation measures that time). Binds one type or one subscriber at a time.
 */
final class MetricsBinding {

    private static final Set<String> BUS_METERS =
            Arrays.stream(BusMeters.values()).map(meter -> meter.doc().name()).collect(Collectors.toUnmodifiableSet());

    private final MeterRegistry meters;
    private final boolean timeHandling;

    /** Bind to {@code meters}; time handlings ({@code sluice.handler.duration}) only if {@code timeHandling}. */
    MetricsBinding(MeterRegistry meters, boolean timeHandling) {
        this.meters = meters;
        this.timeHandling = timeHandling;
    }

    /** Bind the meters of {@code channel}'s type. */
    void channelAdded(Channel<?> channel) {
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
    }

    /** Bind the meters of {@code worker}, replacing those of an earlier subscriber of the same name. */
    void subscriberAdded(String type, BusWorker worker) {
        // a subscriber of the same name disposed earlier: its meters would keep reading the old worker
        meters.getMeters().stream()
                .filter(meter -> BUS_METERS.contains(meter.getId().getName())
                        && worker.name().equals(meter.getId().getTag("subscriber")))
                .toList()
                .forEach(meters::remove);
        bindSubscriber(type, worker);
    }

    /** Bind the meters of {@code worker}, a subscriber of {@code type}. */
    void bindSubscriber(String type, BusWorker worker) {
        String subscriber = worker.name();
        for (Outcome outcome : new Outcome[] {Outcome.DELIVERED, Outcome.RECOVERED, Outcome.DEAD_LETTERED}) {
            BusMeters.EVENTS_HANDLED
                    .doc()
                    .counter(worker, w -> w.counters().handled(outcome))
                    .tag("type", type)
                    .tag("subscriber", subscriber)
                    .tag("outcome", outcome.name().toLowerCase(Locale.ROOT))
                    .register(meters);
        }
        for (DeadLetterReason reason : DeadLetterReason.values()) {
            BusMeters.DEAD_LETTERS_WRITTEN
                    .doc()
                    .counter(worker, w -> w.counters().lettersWritten(reason))
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
        BusMeters.EVENTS_RELEASED
                .doc()
                .counter(worker, w -> w.counters().releasedCount())
                .tag("type", type)
                .tag("subscriber", subscriber)
                .register(meters);
        if (timeHandling) {
            worker.timeHandlingWith(BusMeters.HANDLER_DURATION
                    .doc()
                    .timer()
                    .tag("type", type)
                    .tag("subscriber", subscriber)
                    .register(meters));
        }
        BusMeters.INBOX_SIZE
                .doc()
                .gauge(worker, BusWorker::queued)
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
