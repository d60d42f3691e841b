package dev.sluice.bus.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
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
 * One subscriber's bounded inbox: many publishing threads offer without locks ({@link #offer} claims a slot with a CAS
 * on the producer index and fills it), one subscriber reads it as a {@link Publisher} with backpressure through a
 * queue-drain loop. A publisher that found it full can park a continuation ({@link #awaitRoom}) that is run when room
 * frees up; no thread waits.
 *
 * <p>Storage is a ring of slots (up to {@value #MAX_RING} events; beyond, a linked queue), and the size is the
 * difference of two indexes, one written by publishers and one by the reader, each on its own cache lines ({@link
 * InboxLayout}): publishers read the reader's index only once per ring's worth of events. A request made from {@code
 * onNext} on the draining thread (the usual "one more" of a subscriber that handled the event at once) is counted by
 * the running loop without an atomic operation.
 *
 * <p>A gate checked before each emission lets the owner pause delivery (breaker open, disposing) without losing
 * anything; the owner calls {@link #drain()} when the gate may have opened. Unicast: a second subscriber gets an
 * {@link IllegalStateException}.
 */
final class Inbox<T> extends InboxLayout.PadAfterConsumer implements Publisher<T>, Subscription, Health.Fill {

    /** {@link #offer} results. */
    public static final int ACCEPTED = 0, FULL = 1, CLOSED = 2;

    /** Inboxes up to this capacity keep their events in a ring allocated up front; larger ones in a linked queue. */
    static final int MAX_RING = 1 << 16;

    private static final VarHandle PRODUCER_INDEX, CONSUMER_INDEX, REQUESTED, WIP, ACTUAL;
    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(Object[].class);

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            PRODUCER_INDEX = lookup.findVarHandle(InboxLayout.Producer.class, "producerIndex", long.class);
            WIP = lookup.findVarHandle(InboxLayout.Producer.class, "wip", int.class);
            CONSUMER_INDEX = lookup.findVarHandle(InboxLayout.Consumer.class, "consumerIndex", long.class);
            REQUESTED = lookup.findVarHandle(InboxLayout.Consumer.class, "requested", long.class);
            ACTUAL = lookup.findVarHandle(Inbox.class, "actual", Subscriber.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final @Nullable Object @Nullable [] ring;
    private final int mask;
    private final @Nullable Queue<T> linked;
    // Multi-consumer: wake() polls it from the drainer, from parking publishers, from close() and from takeRemaining(),
    // at once. Reactor's unboundedMultiproducer() queue is single-consumer: concurrent polls corrupt it (it returns
    // null
    // from then on) and parked publishes are never woken. Only full inboxes park waiters, so the hot path just polls an
    // empty queue.
    private final Queue<Waiter> waiters = new ConcurrentLinkedQueue<>();
    private final int capacity;
    private final BooleanSupplier gate;

    private volatile @Nullable Subscriber<? super T> actual;
    private volatile boolean closed;
    private volatile boolean cancelled;
    private volatile @Nullable Throwable badRequest;
    private boolean terminated;

    /** Set when a publish gave up waiting; cleared when the inbox drains below half (docs/DESIGN.md promise 2). */
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
        if (capacity <= MAX_RING) {
            ring = new Object[capacity == 1 ? 1 : Integer.highestOneBit(capacity - 1) << 1];
            mask = ring.length - 1;
            linked = null;
        } else {
            ring = null;
            mask = 0;
            linked = Queues.<T>unboundedMultiproducer().get();
        }
        producerLimit = capacity;
    }

    /** Create an inbox that delivers on whichever thread offers or requests (caller-runs). */
    public Inbox(int capacity, BooleanSupplier gate) {
        this(capacity, gate, Schedulers.immediate().createWorker());
    }

    /** Return the capacity. */
    @Override
    public int capacity() {
        return capacity;
    }

    /** Return how many events are queued (or being put in by a publisher). */
    @Override
    public int size() {
        long taken = consumerIndex; // first: read in this order, the difference can only overstate, and is clamped
        long size = producerIndex - taken;
        return (int) Math.max(0, Math.min(size, capacity));
    }

    /** Enter overflow mode: a publish gave up waiting for room (docs/DESIGN.md promise 2). */
    public void enterOverflow() {
        overflowing = true;
    }

    /**
     * Return whether the inbox is in overflow mode, so publishes dead-letter at once instead of offering; the mode ends
     * once the inbox is below half full. Checked here as well as in {@link #drain()}, because the inbox may already have
     * drained when a publish gave up, and then no emission would ever end the mode.
     */
    @Override
    public boolean overflowing() {
        if (overflowing && belowHalf(size())) {
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
            long claim = producerIndex;
            long limit = producerLimit;
            if (claim >= limit) { // looks full: see how far the reader has got
                limit = consumerIndex + capacity;
                if (claim >= limit) {
                    return FULL;
                }
                producerLimit = limit;
            }
            if (PRODUCER_INDEX.compareAndSet(this, claim, claim + 1)) {
                put(claim, item);
                drain();
                return ACCEPTED;
            }
        }
    }

    /**
     * Fill slot {@code claim}. It is free: a publisher claims a slot only below {@code consumerIndex + capacity}, read
     * after the reader emptied the slot's previous event and moved its index on (or through {@code producerLimit},
     * written after such a read).
     */
    private void put(long claim, T item) {
        Object[] slots = ring;
        if (slots != null) {
            SLOT.setRelease(slots, (int) claim & mask, item);
        } else {
            Objects.requireNonNull(linked).offer(item);
        }
    }

    /** Return the next event without taking it; null if there is none, or its publisher has not filled it yet. */
    @SuppressWarnings("unchecked")
    private @Nullable T peek() {
        Object[] slots = ring;
        return slots != null
                ? (T) SLOT.getAcquire(slots, (int) consumerIndex & mask)
                : Objects.requireNonNull(linked).peek();
    }

    /** Take the next event (the drain loop, or {@link #takeRemaining} once the loop has stopped for good). */
    @SuppressWarnings("unchecked")
    private @Nullable T poll() {
        long next = consumerIndex;
        Object[] slots = ring;
        T item;
        if (slots != null) {
            int slot = (int) next & mask;
            item = (T) SLOT.getAcquire(slots, slot);
            if (item == null) {
                return null; // empty, or a publisher between claiming the slot and filling it (it drains after)
            }
            SLOT.set(slots, slot, null);
        } else {
            item = Objects.requireNonNull(linked).poll();
            if (item == null) {
                return null;
            }
        }
        CONSUMER_INDEX.setRelease(this, next + 1); // after emptying the slot: publishers may reuse it from now on
        return item;
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
        if (size() < capacity || closed) { // freed (or closed) between the failed offer and now
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
        while ((item = poll()) != null) {
            remaining.add(item);
        }
        VarHandle.fullFence(); // the taking before the look at waiters (see drainLoop)
        wake(Integer.MAX_VALUE);
        return remaining;
    }

    @Override
    public void subscribe(Subscriber<? super T> subscriber) {
        if (!ACTUAL.compareAndSet(this, (Subscriber<? super T>) null, subscriber)) {
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
        if (draining == Thread.currentThread()) { // from onNext, in the running loop: it counts this after onNext
            credit = Operators.addCap(credit, n);
            return;
        }
        addDemand(n);
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
        if ((int) WIP.getAndAdd(this, 1) != 0) {
            return;
        }
        try {
            drainer.schedule(drainLoop);
        } catch (RejectedExecutionException disposed) {
            drainLoop.run(); // the drainer is gone (shutdown): finish on this thread rather than lose the signal
        }
    }

    private void drainLoop() {
        Thread self = Thread.currentThread();
        draining = self;
        int missed = 1;
        for (; ; ) {
            Subscriber<? super T> a = actual;
            if (a != null && !terminated) {
                long r = requested;
                long emitted = 0;
                long credited = 0;
                // the gate is asked only when there is something to take: it may spend a pacing permit
                while (emitted != r && !cancelled && peek() != null && gate.getAsBoolean()) {
                    T item = poll();
                    if (item == null) {
                        break;
                    }
                    if (overflowing && belowHalf(size())) {
                        overflowing = false;
                    }
                    a.onNext(item);
                    emitted++;
                    long more = credit;
                    if (more != 0) { // requested from onNext (see request): serve it in this same pass
                        credit = 0;
                        credited += more;
                        r = Operators.addCap(r, more);
                    }
                }
                if (emitted != credited) {
                    produced(emitted - credited);
                }
                if (emitted != 0) {
                    // taking events (consumerIndex) before looking at waiters; a parking publisher does the opposite
                    // (waiters, then the size): with a full fence on both sides, one of the two sees the other
                    VarHandle.fullFence();
                    wake(emitted);
                }
                Throwable error = badRequest;
                if (error != null) {
                    terminate();
                    a.onError(error);
                } else if (cancelled) {
                    terminate();
                } else if (closed && size() == 0) {
                    terminate();
                    a.onComplete();
                }
            }
            long leftover = credit; // requested on this thread outside onNext (from a terminal signal): keep it
            if (leftover != 0) {
                credit = 0;
                addDemand(leftover);
            }
            draining = null;
            missed = (int) WIP.getAndAdd(this, -missed) - missed;
            if (missed == 0) {
                return;
            }
            draining = self;
        }
    }

    private void addDemand(long n) {
        for (; ; ) {
            long current = requested;
            long next = Operators.addCap(current, n);
            if (current == next || REQUESTED.compareAndSet(this, current, next)) {
                return;
            }
        }
    }

    /** Take {@code n} (negative: give back) from the demand, unless it is unbounded. */
    private void produced(long n) {
        for (; ; ) {
            long current = requested;
            if (current == Long.MAX_VALUE) {
                return;
            }
            long next = n < 0 ? Operators.addCap(current, -n) : current - n;
            if (REQUESTED.compareAndSet(this, current, next)) {
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
        while (woken < count && (closed || size() < capacity) && (waiter = waiters.poll()) != null) {
            if (waiter.wake()) {
                woken++;
            }
        }
    }
}
