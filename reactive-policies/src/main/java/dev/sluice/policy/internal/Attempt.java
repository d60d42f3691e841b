package dev.sluice.policy.internal;

import io.netty.util.Timeout;
import io.netty.util.TimerTask;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.Disposable;
import reactor.core.publisher.Operators;
import reactor.util.context.Context;

/**
 * One subscription to the guarded source. Exactly one of completion, error, timer expiry or cancellation finishes it
 * (a CAS on {@code done}); the winner releases the permits the attempt holds. Also the timer task.
 */
final class Attempt<T> implements CoreSubscriber<T>, Runnable, TimerTask {

    @SuppressWarnings("rawtypes")
    private static final AtomicIntegerFieldUpdater<Attempt> DONE =
            AtomicIntegerFieldUpdater.newUpdater(Attempt.class, "done");

    final PolicySubscriber<T> parent;
    final long startTimestamp;
    volatile int done;
    volatile @Nullable Subscription upstream;
    volatile @Nullable Disposable timer;
    volatile @Nullable Timeout wheelTimeout; // the shared wheel's entry: one object less than a Disposable
    boolean timerIsDeadline;

    Attempt(PolicySubscriber<T> parent, long startTimestamp) {
        this.parent = parent;
        this.startTimestamp = startTimestamp;
    }

    boolean tryFinish() {
        return done == 0 && DONE.compareAndSet(this, 0, 1);
    }

    /** Cancel the source; call only after winning {@link #tryFinish()}. */
    void cancelUpstream() {
        Subscription s = upstream;
        if (s != null) {
            s.cancel();
        }
    }

    void disposeTimer() {
        Timeout w = wheelTimeout;
        if (w != null) {
            w.cancel();
            return;
        }
        Disposable t = timer;
        if (t != null) {
            t.dispose();
        }
    }

    @Override
    public Context currentContext() {
        return parent.actual.currentContext();
    }

    @Override
    public void onSubscribe(Subscription s) {
        upstream = s;
        if (done != 0) { // finished (cancelled or timed out) before the source subscribed; see cancelUpstream
            s.cancel();
            return;
        }
        parent.setUpstream(s);
    }

    @Override
    public void onNext(T value) {
        parent.aboutToEmit(); // before reading done: a timer that wins the race then sees the item (no retry)
        if (done != 0) {
            Operators.onNextDropped(value, currentContext());
            return;
        }
        parent.attemptNext(this, value);
    }

    @Override
    public void onError(Throwable error) {
        if (tryFinish()) {
            parent.attemptFailed(this, error);
        } else {
            Operators.onErrorDropped(error, currentContext());
        }
    }

    @Override
    public void onComplete() {
        if (tryFinish()) {
            parent.attemptSucceeded(this, null);
        }
    }

    /** Wheel expiry: hop off the wheel thread before doing anything. */
    @Override
    public void run(Timeout expired) {
        WheelScheduler.shared().expire(this);
    }

    /** Timer expiry: the attempt took longer than the timeout, or the deadline passed. */
    @Override
    public void run() {
        if (tryFinish()) {
            cancelUpstream();
            parent.attemptTimedOut(this);
        }
    }
}
