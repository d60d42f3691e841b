package dev.sluice.bus.internal;

import dev.sluice.bus.DeadLetterReason;
import dev.sluice.bus.SubscriberHandle;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import reactor.core.publisher.Mono;

/**
 * What the bus's lists (subscribers, lifecycle, metrics) need of one subscriber at work, in-process ({@link
 * SubscriberWorker}) or durable ({@link DurableWorker}). Thread-safe.
 */
interface BusWorker extends SubscriberHandle {

    /** Return the name of the event type it handles. */
    String typeName();

    /** Return the subscriber's accounting. */
    Counters counters();

    /** Return the subscriber's redrive. */
    Redriver<?> redriver();

    /** Return how many events wait in its inbox (for a durable subscriber: read and not yet started). */
    int queued();

    /** Time each event's handling with {@code timer} from now on (metrics bound). */
    void timeHandlingWith(Timer timer);

    /**
     * Stop: take no new events, let in-flight handlers finish within {@code grace}, then end the rest (in-process:
     * dead-letter it with {@code reason}; durable: release it).
     */
    Mono<Void> shutdown(Duration grace, DeadLetterReason reason, boolean stopTaking);

    /** Return a {@code Mono} that completes once the subscriber has shut down and every event has an outcome. */
    Mono<Void> terminated();
}
