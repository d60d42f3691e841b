package dev.sluice.bus.internal;

import dev.sluice.bus.BreakerOpenPolicy;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.ratelimiter.RateLimiter;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.jspecify.annotations.Nullable;
import reactor.core.scheduler.Scheduler;

/**
 * The gate in front of a subscriber's inbox: asked before each event is taken, it says no while the subscriber is
 * stopping, while its breaker is open (docs/DESIGN.md promise 6: an outage pauses reading, kill-switch style; in
 * half-open only as many events as the breaker permits) and while its pacing bucket is empty (pacing slows the reading
 * of the inbox; nothing is rejected). A closed gate re-checks on a timer and drains the inbox again, so it opens on its
 * own. Asked on the subscriber's drainer; {@link #stop()} from any thread.
 */
final class Gate implements BooleanSupplier {

    /** What the gate needs to know about the events in their handler, and how to drain again. */
    interface Worker {
        /** Return how many events are in their handler now. */
        int handling();

        /** Drain the inbox again: the gate may have opened. */
        void drain();
    }

    private final @Nullable CircuitBreaker pauseOn;
    private final @Nullable RateLimiter pacing;
    private final Scheduler timers;
    private final Worker worker;
    private final AtomicBoolean recheckArmed = new AtomicBoolean();
    private volatile boolean stopping; // disposing: take nothing more from the inbox

    Gate(SubscriberSettings<?> settings, Scheduler timers, Worker worker) {
        this.pauseOn = settings.onBreakerOpen() == BreakerOpenPolicy.PAUSE
                ? settings.policy().circuitBreaker()
                : null;
        var pace = settings.pacing();
        this.pacing = pace == null ? null : RateLimiter.of(settings.name() + "-pacing", pace);
        this.timers = timers;
        this.worker = worker;
    }

    /** Close the gate for good: the subscriber takes nothing more from its inbox. */
    void stop() {
        stopping = true;
    }

    /**
     * Return how many of {@code room} entries a durable subscriber may read now: none while stopping or paused
     * (breaker open, docs/DESIGN.md promise 6: the backlog waits in the stream), in half-open at most what the breaker
     * still permits, else all. Spends no pacing permit (pacing applies when an entry is taken). On the drainer.
     */
    int readLimit(int room) {
        if (stopping || !breakerAllows()) {
            return 0;
        }
        CircuitBreaker breaker = pauseOn;
        if (breaker != null && breaker.getState() == CircuitBreaker.State.HALF_OPEN) {
            int permitted = breaker.getCircuitBreakerConfig().getPermittedNumberOfCallsInHalfOpenState();
            return Math.max(0, Math.min(room, permitted - worker.handling()));
        }
        return room;
    }

    /** Return whether the next event may be taken now. */
    @Override
    public boolean getAsBoolean() {
        if (stopping) {
            return false;
        }
        if (!breakerAllows()) {
            return false;
        }
        RateLimiter pace = pacing;
        if (pace != null && !pace.acquirePermission()) {
            recheckIn(Math.max(
                    1, pace.getRateLimiterConfig().getLimitRefreshPeriod().toMillis() / 10));
            return false; // pacing slows the reading of the inbox; nothing is rejected
        }
        return true;
    }

    private boolean breakerAllows() {
        CircuitBreaker breaker = pauseOn;
        if (breaker == null) {
            return true;
        }
        switch (breaker.getState()) {
            case CLOSED, DISABLED, METRICS_ONLY:
                return true;
            case HALF_OPEN:
                return worker.handling() < breaker.getCircuitBreakerConfig().getPermittedNumberOfCallsInHalfOpenState();
            case OPEN:
                if (breaker.tryAcquirePermission()) { // the wait is over: now HALF_OPEN
                    breaker.releasePermission();
                    return worker.handling() == 0;
                }
                recheckLater(breaker);
                return false;
            default: // FORCED_OPEN
                recheckLater(breaker);
                return false;
        }
    }

    /** While paused, look again every tenth of the breaker's wait in open (10 ms to 1 s). */
    private void recheckLater(CircuitBreaker breaker) {
        long waitMillis = breaker.getCircuitBreakerConfig()
                .getWaitIntervalFunctionInOpenState()
                .apply(1);
        recheckIn(Math.min(1000, Math.max(10, waitMillis / 10)));
    }

    /** Drain again after {@code every} ms: the gate may open by then. */
    private void recheckIn(long every) {
        if (!recheckArmed.compareAndSet(false, true)) {
            return; // one re-check at a time (armed before scheduling: the task may run before schedule returns)
        }
        timers.schedule(
                () -> {
                    recheckArmed.set(false);
                    worker.drain();
                },
                every,
                TimeUnit.MILLISECONDS);
    }
}
