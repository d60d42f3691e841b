package dev.sluice.policy.internal;

import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;
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
final class Attempt<T> implements CoreSubscriber<T>, Runnable {

    @SuppressWarnings("rawtypes")
    private static final AtomicIntegerFieldUpdater<Attempt> DONE =
            AtomicIntegerFieldUpdater.newUpdater(Attempt.class, "done");

    @SuppressWarnings("rawtypes")
    private static final AtomicReferenceFieldUpdater<Attempt, Subscription> UPSTREAM =
            AtomicReferenceFieldUpdater.newUpdater(Attempt.class, Subscription.class, "upstream");

    final PolicySubscriber<T> parent;
    final long startTimestamp;
    volatile int done;
    volatile @Nullable Subscription upstream;
    volatile @Nullable Disposable timer;
    boolean timerIsDeadline;

    Attempt(PolicySubscriber<T> parent, long startTimestamp) {
        this.parent = parent;
        this.startTimestamp = startTimestamp;
    }

    boolean tryFinish() {
        return done == 0 && DONE.compareAndSet(this, 0, 1);
    }

    void cancelUpstream() {
        Operators.terminate(UPSTREAM, this);
    }

    void disposeTimer() {
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
        if (Operators.setOnce(UPSTREAM, this, s)) {
            parent.setUpstream(s);
        }
    }

    @Override
    public void onNext(T value) {
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

    /** Timer expiry: the attempt took longer than the timeout, or the deadline passed. */
    @Override
    public void run() {
        if (tryFinish()) {
            cancelUpstream();
            parent.attemptTimedOut(this);
        }
    }
}
