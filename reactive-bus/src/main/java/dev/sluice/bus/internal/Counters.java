package dev.sluice.bus.internal;

import dev.sluice.bus.DeadLetterReason;
import dev.sluice.bus.Outcome;
import dev.sluice.bus.SubscriberStats;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;

/**
 * One subscriber's accounting (docs/DESIGN.md promise 1): {@code offered = delivered + recovered + deadLettered +
 * dropped + released + inFlight}, with {@code inFlight} kept on its own ({@code released} only for durable
 * subscribers), plus the letters the store acknowledged by reason and,
 * once metrics are bound, the handling timer. Counters are padded {@link LongAdder}s: publishers and handlers on many
 * threads update them without contending. Thread-safe.
 */
final class Counters {

    final LongAdder offered = Padded.adder();
    final LongAdder inFlight = Padded.adder();
    private final LongAdder delivered = Padded.adder();
    private final LongAdder recovered = Padded.adder();
    private final LongAdder deadLettered = Padded.adder();
    private final LongAdder dropped = Padded.adder();
    private final LongAdder released = new LongAdder(); // durable subscribers only: never touched in-process
    private final LongAdder[] lettersWritten = new LongAdder[DeadLetterReason.values().length]; // by ordinal
    private volatile @Nullable Timer handlerTimer; // set when metrics are bound

    Counters() {
        for (DeadLetterReason reason : DeadLetterReason.values()) {
            lettersWritten[reason.ordinal()] = new LongAdder();
        }
    }

    /** Count an event that ended with {@code outcome}: it leaves in-flight. */
    void ended(Outcome outcome) {
        // per event: identity checks, most frequent first (an enum switch would go through a synthetic ordinal map)
        if (outcome == Outcome.DELIVERED) {
            delivered.increment();
        } else if (outcome == Outcome.RECOVERED) {
            recovered.increment();
        } else if (outcome == Outcome.DEAD_LETTERED) {
            deadLettered.increment();
        } else {
            dropped.increment();
        }
        inFlight.decrement();
    }

    /** Count a durable entry handed back unacknowledged (close, dispose, fencing): it leaves in-flight. */
    void released() {
        released.increment();
        inFlight.decrement();
    }

    /** Return how many durable entries were released, for metrics. */
    long releasedCount() {
        return released.sum();
    }

    /** Count a letter the store acknowledged. */
    void letterWritten(DeadLetterReason reason) {
        lettersWritten[reason.ordinal()].increment();
    }

    /** Return how many letters with {@code reason} the store acknowledged. */
    long lettersWritten(DeadLetterReason reason) {
        return lettersWritten[reason.ordinal()].sum();
    }

    /** Return how many events ended with {@code outcome}, for metrics. */
    long handled(Outcome outcome) {
        return switch (outcome) {
            case DELIVERED -> delivered.sum();
            case RECOVERED -> recovered.sum();
            case DEAD_LETTERED -> deadLettered.sum();
            case DROPPED -> 0;
        };
    }

    /** Return a snapshot. */
    SubscriberStats stats() {
        // read inFlight first: an event moving from in-flight to an outcome is then counted at most twice, never lost
        long flying = inFlight.sum();
        return new SubscriberStats(
                offered.sum(),
                delivered.sum(),
                recovered.sum(),
                deadLettered.sum(),
                dropped.sum(),
                released.sum(),
                flying);
    }

    /** Time each event's handling (start to outcome) with {@code timer} from now on. */
    void timeHandlingWith(Timer timer) {
        this.handlerTimer = timer;
    }

    /** Return when to start timing an event's handling: now, if metrics are bound, else 0 (not timed). */
    long handlingStarts() {
        return handlerTimer == null ? 0 : System.nanoTime();
    }

    /** Record an event's handling that began at {@code startNanos} (0: not timed). */
    void handlingEnded(long startNanos) {
        Timer timer = handlerTimer;
        if (timer != null && startNanos != 0) {
            timer.record(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS);
        }
    }
}
