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
 * handling is timed (two {@code System.nanoTime()} reads and a timer update). Binds the types and subscribers present when
 * {@link #bindTo} runs and those added later. Meters of a disposed subscriber keep their last values until a subscriber
 * of the same name is added, whose meters replace them.
 */
public final class BusMetrics implements MeterBinder {

    private static final java.util.Set<String> BUS_METERS = java.util.Arrays.stream(BusMeters.values())
            .map(meter -> meter.doc().name())
            .collect(java.util.stream.Collectors.toUnmodifiableSet());

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
        bus.addBinding(new Binding(meters)); // first, so a type or subscriber added meanwhile is bound at least once
        for (Channel<?> channel : bus.channels().values()) {
            bindChannel(meters, channel);
            String type = channel.type().name();
            for (SubscriberWorker<?> worker : channel.workers()) {
                bindSubscriber(meters, type, worker);
            }
        }
    }

    /** Binds what is added to the bus after {@link #bindTo}. */
    static final class Binding {
        private final MeterRegistry meters;

        Binding(MeterRegistry meters) {
            this.meters = meters;
        }

        void channelAdded(Channel<?> channel) {
            bindChannel(meters, channel);
        }

        void subscriberAdded(String type, SubscriberWorker<?> worker) {
            // a subscriber of the same name disposed earlier: its meters would keep reading the old worker
            meters.getMeters().stream()
                    .filter(meter -> BUS_METERS.contains(meter.getId().getName())
                            && worker.name().equals(meter.getId().getTag("subscriber")))
                    .toList()
                    .forEach(meters::remove);
            bindSubscriber(meters, type, worker);
        }
    }

    private static void bindChannel(MeterRegistry meters, Channel<?> channel) {
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
