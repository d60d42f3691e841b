package dev.sluice.policy.internal;

import dev.sluice.policy.ErrorClass;
import io.netty.util.Timeout;
import io.netty.util.TimerTask;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;
import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;
import reactor.core.scheduler.Scheduler;

/**
 * One round of a hedging policy, as the retry sees it: the primary attempt and the hedged attempts started beside it
 * (Polly v8's hedging semantics, see {@code HedgeSettings}). Created for each round of a hedging policy only.
 *
 * <p>Its whole state is one int changed by CAS: attempts started, attempts still running, decided (a winner, a
 * final failure, the deadline or a cancel ended the round) and stopped (a hedge was refused a permit: start no
 * more). Reserving the running count when a hedge is claimed, before it is started, means the round can never look
 * finished while a hedge is being set up. Deciding sets the flag and then cancels every registered attempt (each
 * attempt's own {@code tryFinish} settles races with its completion); registering writes the attempt and then reads
 * the flag, so one of the two always sees the other. At most one delay timer is armed at a time; it is also the
 * timer task, as {@link Attempt} is.
 */
final class HedgeRound<T> implements Runnable, TimerTask {

    private static final int STARTED = 1;
    private static final int RUNNING = 1 << 8;
    private static final int COUNT = 0xFF;
    private static final int DECIDED = 1 << 16;
    private static final int STOPPED = 1 << 17;

    @SuppressWarnings("rawtypes")
    private static final AtomicIntegerFieldUpdater<HedgeRound> STATE =
            AtomicIntegerFieldUpdater.newUpdater(HedgeRound.class, "state");

    @SuppressWarnings("rawtypes")
    private static final AtomicIntegerFieldUpdater<HedgeRound> ARMED =
            AtomicIntegerFieldUpdater.newUpdater(HedgeRound.class, "armed");

    @SuppressWarnings("rawtypes")
    private static final AtomicReferenceFieldUpdater<HedgeRound, Attempt> PRIMARY =
            AtomicReferenceFieldUpdater.newUpdater(HedgeRound.class, Attempt.class, "primary");

    @SuppressWarnings("rawtypes")
    private static final AtomicReferenceFieldUpdater<HedgeRound, AtomicReferenceArray> HEDGES =
            AtomicReferenceFieldUpdater.newUpdater(HedgeRound.class, AtomicReferenceArray.class, "hedges");

    private final PolicySubscriber<T> parent;
    private final int total; // the primary and every hedge
    private final long delayNanos;
    private final Scheduler scheduler;

    private volatile int state;

    @SuppressWarnings("UnusedVariable") // read and written through the field updater ARMED
    private volatile int armed;

    private volatile @Nullable Attempt<T> primary;
    private volatile @Nullable AtomicReferenceArray<Attempt<T>> hedges; // allocated when the first hedge is claimed
    // written by the primary's failure before its CAS on state, read after the CAS that fails the round: no volatile
    private @Nullable Throwable primaryFailure;
    private @Nullable ErrorClass primaryClass;
    private volatile @Nullable Timeout wheelTimeout;
    private volatile @Nullable Disposable timer;

    HedgeRound(PolicySubscriber<T> parent, int maxHedgedAttempts, long delayNanos, Scheduler scheduler) {
        this.parent = parent;
        this.total = maxHedgedAttempts + 1;
        this.delayNanos = delayNanos;
        this.scheduler = scheduler;
        // the primary, claimed before its permits are taken; an ordered store is enough, since the round is published
        // through the subscriber's volatile field, and a volatile one would cost every hedged call a fence
        STATE.lazySet(this, STARTED + RUNNING);
    }

    private static int started(int s) {
        return s & COUNT;
    }

    private static int running(int s) {
        return (s >>> 8) & COUNT;
    }

    private boolean canStart(int s) {
        return (s & (DECIDED | STOPPED)) == 0 && started(s) < total;
    }

    /**
     * Register a started attempt (index 0 is the primary).
     *
     * @return false if the round was decided meanwhile: the caller must abandon the attempt
     */
    boolean register(Attempt<T> attempt, int index) {
        if (index == 0) {
            // the subscriber's volatile write of current (the same attempt) and its cancelled check come first, and
            // nothing else can end the round before its primary exists: an ordered store is enough here
            PRIMARY.lazySet(this, attempt);
        } else {
            hedgeSlots().set(index - 1, attempt);
        }
        return (state & DECIDED) == 0;
    }

    /** Claim the next hedge: return its index (1 or more), or -1 if none may start now. */
    private int claim() {
        for (; ; ) {
            int s = state;
            if (!canStart(s)) {
                return -1;
            }
            if (STATE.compareAndSet(this, s, s + STARTED + RUNNING)) {
                return started(s);
            }
        }
    }

    @SuppressWarnings("unchecked")
    private AtomicReferenceArray<Attempt<T>> hedgeSlots() {
        AtomicReferenceArray<Attempt<T>> slots = hedges;
        if (slots == null) {
            HEDGES.compareAndSet(this, null, new AtomicReferenceArray<Attempt<T>>(total - 1));
            slots = hedges;
        }
        return Objects.requireNonNull(slots, "hedges");
    }

    /**
     * Called after an attempt was subscribed and is still running: arm the delay timer for the next hedge, or, with a
     * zero delay, start every remaining hedge now.
     */
    void running() {
        if (delayNanos == 0) {
            for (int index = claim(); index > 0; index = claim()) {
                startHedge(index);
            }
            return;
        }
        if (!canStart(state) || !ARMED.compareAndSet(this, 0, 1)) {
            return; // nothing left to start, or a timer is armed already
        }
        if (scheduler instanceof WheelScheduler wheel) {
            wheelTimeout = wheel.newTimeout(this, delayNanos, TimeUnit.NANOSECONDS);
        } else {
            timer = scheduler.schedule(this, delayNanos, TimeUnit.NANOSECONDS);
        }
        if ((state & DECIDED) != 0) {
            disposeTimer(); // decided while the timer was armed
        }
    }

    private void startHedge(int index) {
        hedgeSlots(); // before the attempt exists, so that deciding sees every slot
        parent.launch(this, index);
    }

    /** A hedge was refused a breaker, rate-limiter or bulkhead permit: start no more, and count it finished. */
    void refused() {
        for (; ; ) {
            int s = state;
            int next = (s | STOPPED) - RUNNING;
            boolean failed = (s & DECIDED) == 0 && running(next) == 0;
            if (failed) {
                next |= DECIDED;
            }
            if (STATE.compareAndSet(this, s, next)) {
                if (failed) {
                    failRound();
                }
                return;
            }
        }
    }

    /**
     * Take {@code attempt}'s success: return true if it won the round (every other attempt is then cancelled), false
     * if the round was decided already.
     */
    boolean win(Attempt<T> attempt) {
        if (!decide()) {
            return false;
        }
        if (attempt != primary) {
            parent.spec.counters.hedgesWon.increment();
        }
        return true;
    }

    /**
     * Take {@code attempt}'s failure (its permits released and its outcome recorded already). A retryable failure
     * starts the next hedge at once if one may start (Polly: a handled outcome does not wait for the delay); when it
     * was the last attempt running, the round fails with the primary's failure. Any other failure is an acceptable
     * outcome and ends the round with it.
     */
    void failed(Attempt<T> attempt, Throwable error, ErrorClass errorClass) {
        if (attempt == primary) {
            primaryFailure = error;
            primaryClass = errorClass;
        }
        if (errorClass != ErrorClass.RETRYABLE) {
            if (decide()) {
                parent.afterFailure(error, errorClass);
            }
            return;
        }
        for (; ; ) {
            int s = state;
            if ((s & DECIDED) != 0) {
                return;
            }
            if (canStart(s)) {
                if (STATE.compareAndSet(this, s, s + STARTED)) { // the new hedge takes this attempt's running slot
                    startHedge(started(s));
                    return;
                }
                continue;
            }
            int next = s - RUNNING;
            boolean failed = running(next) == 0;
            if (failed) {
                next |= DECIDED;
            }
            if (STATE.compareAndSet(this, s, next)) {
                if (failed) {
                    failRound();
                }
                return;
            }
        }
    }

    private void failRound() {
        disposeTimer();
        Throwable failure = primaryFailure;
        // every attempt finished, the primary included, and the primary is never refused: its failure is set
        ErrorClass failureClass = primaryClass;
        parent.afterFailure(
                Objects.requireNonNull(failure, "primaryFailure"),
                failureClass == null ? ErrorClass.RETRYABLE : failureClass);
    }

    /**
     * End the round (deadline, cancel, a winner, a final failure): cancel every attempt still running, releasing
     * their permits unrecorded, and the delay timer.
     *
     * @return true if this call decided the round, false if it was decided already
     */
    boolean decide() {
        for (; ; ) {
            int s = state;
            if ((s & DECIDED) != 0) {
                return false;
            }
            if (STATE.compareAndSet(this, s, s | DECIDED)) {
                break;
            }
        }
        disposeTimer();
        cancel(primary);
        AtomicReferenceArray<Attempt<T>> slots = hedges;
        if (slots != null) {
            for (int i = 0; i < slots.length(); i++) {
                cancel(slots.get(i));
            }
        }
        return true;
    }

    private void cancel(@Nullable Attempt<T> attempt) {
        if (attempt != null && attempt.tryFinish()) {
            attempt.cancelUpstream();
            parent.releasePermits(attempt);
        }
    }

    private void disposeTimer() {
        Timeout w = wheelTimeout;
        if (w != null) {
            w.cancel();
        }
        Disposable t = timer;
        if (t != null) {
            t.dispose();
        }
    }

    /** Wheel expiry: hop off the wheel thread before doing anything. */
    @Override
    public void run(Timeout expired) {
        WheelScheduler.shared().expire(this);
    }

    /** Delay expiry: start the next hedge; if it keeps running, it arms the timer for the one after. */
    @Override
    public void run() {
        ARMED.set(this, 0);
        int index = claim();
        if (index > 0) {
            startHedge(index);
        }
    }
}
