package dev.sluice.policy.internal;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.TimeUnit;
import reactor.core.scheduler.Scheduler;

/**
 * A {@link Clock} that reads a Reactor {@link Scheduler}'s {@code now()}, so resilience4j's breaker (wait in open,
 * slow-call timing) follows the same time as the policy's timers, virtual time included.
 */
public final class SchedulerClock extends Clock {

    private final Scheduler scheduler;

    /** Create a clock reading {@code scheduler}. */
    public SchedulerClock(Scheduler scheduler) {
        this.scheduler = scheduler;
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return zone.equals(ZoneOffset.UTC) ? this : Clock.fixed(instant(), zone);
    }

    @Override
    public long millis() {
        return scheduler.now(TimeUnit.MILLISECONDS);
    }

    @Override
    public Instant instant() {
        // milliseconds: Scheduler.now(NANOSECONDS) of the default schedulers is System.nanoTime(), not wall time
        return Instant.ofEpochMilli(scheduler.now(TimeUnit.MILLISECONDS));
    }
}
