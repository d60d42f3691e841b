package dev.sluice.bus.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;
import java.util.function.BooleanSupplier;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;
import reactor.core.publisher.Operators;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.util.concurrent.Queues;

/**
 * One subscriber's bounded inbox: many publishing threads offer without locks ({@link #offer} is a CAS on the size
 * and an MPSC queue offer), one subscriber reads it as a {@link Publisher} with backpressure through a queue-drain
 * loop. A publisher that found it full can park a continuation ({@link #awaitRoom}) that is run when room frees up;
 * no thread waits.
 *
 * <p>A gate checked before each emission lets the owner pause delivery (breaker open, disposing) without losing
 * anything; the owner calls {@link #drain()} when the gate may have opened. Unicast: a second subscriber gets an
 * {@link IllegalStateException}.
 */
public final class Inbox<T> implements Publisher<T>, Subscription {

    /** {@link #offer} results. */
    public static final int ACCEPTED = 0, FULL = 1, CLOSED = 2;

    @SuppressWarnings("rawtypes")
    private static final AtomicIntegerFieldUpdater<Inbox> SIZE =
            AtomicIntegerFieldUpdater.newUpdater(Inbox.class, "size");

    @SuppressWarnings("rawtypes")
    private static final AtomicIntegerFieldUpdater<Inbox> WIP =
            AtomicIntegerFieldUpdater.newUpdater(Inbox.class, "wip");

    @SuppressWarnings("rawtypes")
    private static final AtomicLongFieldUpdater<Inbox> REQUESTED =
            AtomicLongFieldUpdater.newUpdater(Inbox.class, "requested");

    @SuppressWarnings("rawtypes")
    private static final AtomicReferenceFieldUpdater<Inbox, Subscriber> ACTUAL =
            AtomicReferenceFieldUpdater.newUpdater(Inbox.class, Subscriber.class, "actual");

    private final Queue<T> queue = Queues.<T>unboundedMultiproducer().get();
    private final Queue<Waiter> waiters =
            Queues.<Waiter>unboundedMultiproducer().get();
    private final int capacity;
    private final BooleanSupplier gate;

    private volatile int size;
    private volatile int wip;
    private volatile long requested;
    private volatile @Nullable Subscriber<? super T> actual;
    private volatile boolean closed;
    private volatile boolean cancelled;
    private volatile @Nullable Throwable badRequest;
    private boolean terminated;

    /** Set when a publish gave up waiting; cleared when the inbox drains below half (DESIGN.md promise 2). */
    private volatile boolean overflowing;

    private final Scheduler.Worker drainer;
    private final Runnable drainLoop = this::drainLoop;

    /**
     * Create an inbox of {@code capacity} events whose emissions wait for {@code gate} to allow them and run on
     * {@code drainer}: the subscriber's own thread, so a handler never runs on a publisher's thread (a Netty event
     * loop, say) and a slow one cannot slow the publisher.
     */
    public Inbox(int capacity, BooleanSupplier gate, Scheduler.Worker drainer) {
        this.capacity = capacity;
        this.gate = gate;
        this.drainer = drainer;
    }

    /** Create an inbox that delivers on whichever thread offers or requests (caller-runs). */
    public Inbox(int capacity, BooleanSupplier gate) {
        this(capacity, gate, Schedulers.immediate().createWorker());
    }

    /** Return the capacity. */
    public int capacity() {
        return capacity;
    }

    /** Return how many events are queued. */
    public int size() {
        return size;
    }

    /** Enter overflow mode: a publish gave up waiting for room (DESIGN.md promise 2). */
    public void enterOverflow() {
        overflowing = true;
    }

    /**
     * Return whether the inbox is in overflow mode, so publishes dead-letter at once instead of offering; the mode ends
     * once the inbox is below half full. Checked here as well as in {@link #drain()}, because the inbox may already have
     * drained when a publish gave up, and then no emission would ever end the mode.
     */
    public boolean overflowing() {
        if (overflowing && belowHalf(size)) {
            overflowing = false;
        }
        return overflowing;
    }

    // "below half" of a one-event inbox is empty; capacity / 2 would be 0 and never reached
    private boolean belowHalf(int queued) {
        return (long) queued * 2 < capacity;
    }

    /** Return {@link #ACCEPTED}, {@link #FULL}, or {@link #CLOSED} (no more offers after {@link #close()}). */
    public int offer(T item) {
        for (; ; ) {
            if (closed) {
                return CLOSED;
            }
            int s = size;
            if (s >= capacity) {
                return FULL;
            }
            if (SIZE.compareAndSet(this, s, s + 1)) {
                break;
            }
        }
        queue.offer(item);
        drain();
        return ACCEPTED;
    }

    /** A publish parked until room may have freed up. */
    public interface Waiter {
        /**
         * Try again now that room may have freed up.
         *
         * @return {@code false} if this waiter had already ended (e.g. gave up), so the wake-up goes to the next one
         */
        boolean wake();
    }

    /** Wake {@code continuation} once room may have freed up (or at once, if it already has). */
    public void awaitRoom(Waiter continuation) {
        waiters.offer(continuation);
        if (size < capacity || closed) { // freed (or closed) between the failed offer and now
            wake(Integer.MAX_VALUE);
        }
    }

    /** Accept no more offers; the subscriber completes once the queue is empty. Waiting publishers are woken. */
    public void close() {
        closed = true;
        wake(Integer.MAX_VALUE);
        drain();
    }

    /** Take every queued event out (after the subscriber was cancelled), for dead-lettering. */
    public List<T> takeRemaining() {
        List<T> remaining = new ArrayList<>();
        T item;
        while ((item = queue.poll()) != null) {
            SIZE.decrementAndGet(this);
            remaining.add(item);
        }
        wake(Integer.MAX_VALUE);
        return remaining;
    }

    @Override
    public void subscribe(Subscriber<? super T> subscriber) {
        if (!ACTUAL.compareAndSet(this, null, subscriber)) {
            Operators.error(subscriber, new IllegalStateException("an inbox allows one subscriber only"));
            return;
        }
        subscriber.onSubscribe(this);
        drain();
    }

    @Override
    public void request(long n) {
        if (n <= 0) {
            // signalled from the drain loop, so it cannot overlap an onNext (§1.3) or follow onComplete (§1.7)
            badRequest = new IllegalArgumentException("§3.9: request must be > 0, but was " + n);
            cancelled = true;
            drain();
            return;
        }
        Operators.addCap(REQUESTED, this, n);
        drain();
    }

    @Override
    public void cancel() {
        cancelled = true;
        drain(); // lets the drain loop drop the subscriber (§3.13)
    }

    /**
     * Deliver what demand, the gate and the queue allow, on the drainer; safe from any thread. If a drain is running
     * it just goes round once more, so a busy subscriber costs a publisher one atomic increment, not a hand-off.
     */
    public void drain() {
        if (WIP.getAndIncrement(this) != 0) {
            return;
        }
        try {
            drainer.schedule(drainLoop);
        } catch (RejectedExecutionException disposed) {
            drainLoop.run(); // the drainer is gone (shutdown): finish on this thread rather than lose the signal
        }
    }

    private void drainLoop() {
        int missed = 1;
        for (; ; ) {
            Subscriber<? super T> a = actual;
            if (a != null && !terminated) {
                long r = requested;
                long emitted = 0;
                // the gate is asked only when there is something to take: it may spend a pacing permit
                while (emitted != r && !cancelled && !queue.isEmpty() && gate.getAsBoolean()) {
                    T item = queue.poll();
                    if (item == null) {
                        break;
                    }
                    int left = SIZE.decrementAndGet(this);
                    if (overflowing && belowHalf(left)) {
                        overflowing = false;
                    }
                    a.onNext(item);
                    emitted++;
                }
                if (emitted != 0) {
                    if (r != Long.MAX_VALUE) {
                        REQUESTED.addAndGet(this, -emitted);
                    }
                    wake(emitted);
                }
                Throwable error = badRequest;
                if (error != null) {
                    terminate();
                    a.onError(error);
                } else if (cancelled) {
                    terminate();
                } else if (closed && size == 0 && queue.isEmpty()) {
                    terminate();
                    a.onComplete();
                }
            }
            missed = WIP.addAndGet(this, -missed);
            if (missed == 0) {
                return;
            }
        }
    }

    /**
     * Stop signalling and drop the subscriber (§3.13: a cancelled publisher must not keep it reachable). The slot keeps
     * a no-op subscriber, not null, so the inbox stays unicast.
     */
    private void terminate() {
        terminated = true;
        actual = Operators.emptySubscriber();
    }

    /**
     * Wake up to {@code count} waiters that are still waiting. A waiter that already gave up does not count (else it
     * would swallow the wake-up and a live one would stay parked beside free room), and waking stops once the inbox is
     * full again (else a woken waiter that parks itself anew would be polled again and again: a busy spin).
     */
    private void wake(long count) {
        long woken = 0;
        Waiter waiter;
        while (woken < count && (closed || size < capacity) && (waiter = waiters.poll()) != null) {
            if (waiter.wake()) {
                woken++;
            }
        }
    }
}
