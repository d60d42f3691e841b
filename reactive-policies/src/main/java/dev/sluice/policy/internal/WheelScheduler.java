package dev.sluice.policy.internal;

import io.netty.util.HashedWheelTimer;
import io.netty.util.Timeout;
import io.netty.util.TimerTask;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;
import reactor.core.scheduler.NonBlocking;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * The default timer of every policy: one shared Netty {@link HashedWheelTimer} (tick {@value #TICK_MILLIS} ms) on a
 * daemon thread marked {@link NonBlocking}. Arming a timer is a lock-free queue offer, far cheaper than
 * {@code Schedulers.parallel()}'s locked delay queue; a timer fires at most one tick late. Expired tasks are handed to
 * {@code Schedulers.parallel()} so a slow task never delays the wheel. Immediate tasks go straight to
 * {@code Schedulers.parallel()}, as are periodic tasks and workers. {@code Schedulers.parallel()} is looked up at each
 * hand-off, never kept: a scheduler kept from the first use would be whatever the factory gave then (a
 * {@code VirtualTimeScheduler} during a virtual-time test, or one that {@code Schedulers.setFactory} has since shut
 * down), and every later timer handed to it would be lost.
 */
public final class WheelScheduler implements Scheduler {

    /** Wheel resolution in milliseconds: timeouts fire within one tick of their deadline. */
    public static final int TICK_MILLIS = 5;

    private static final WheelScheduler SHARED = new WheelScheduler();

    private final HashedWheelTimer wheel;

    private WheelScheduler() {
        ThreadFactory threads = task -> {
            Thread thread = new WheelThread(task);
            thread.setDaemon(true);
            return thread;
        };
        this.wheel = new HashedWheelTimer(threads, TICK_MILLIS, TimeUnit.MILLISECONDS, 512);
    }

    /** Return the shared instance; it lives as long as the JVM. */
    public static WheelScheduler shared() {
        return SHARED;
    }

    @Override
    public Disposable schedule(Runnable task) {
        return Schedulers.parallel().schedule(task);
    }

    @Override
    public Disposable schedule(Runnable task, long delay, TimeUnit unit) {
        if (delay <= 0) {
            return Schedulers.parallel().schedule(task);
        }
        WheelTask wheelTask = new WheelTask(task);
        wheelTask.timeout = wheel.newTimeout(wheelTask, delay, unit);
        return wheelTask;
    }

    @Override
    public Disposable schedulePeriodically(Runnable task, long initialDelay, long period, TimeUnit unit) {
        return Schedulers.parallel().schedulePeriodically(task, initialDelay, period, unit);
    }

    /** Arm {@code task} on the wheel directly, without a {@link Disposable} wrapper; for the policy operator. */
    Timeout newTimeout(TimerTask task, long delay, TimeUnit unit) {
        return wheel.newTimeout(task, delay, unit);
    }

    /** Run an expired task off the wheel thread. */
    void expire(Runnable task) {
        Schedulers.parallel().schedule(task);
    }

    /**
     * Return a worker of {@code Schedulers.parallel()}: a worker must run its tasks one at a time and in order, which
     * the wheel's hand-offs do not promise. Only direct {@link #schedule(Runnable, long, TimeUnit)} calls (the policies'
     * timers) use the wheel.
     */
    @Override
    public Worker createWorker() {
        return Schedulers.parallel().createWorker();
    }

    @Override
    public void dispose() {
        // shared for the JVM's lifetime: disposing it would break every policy
    }

    private static final class WheelThread extends Thread implements NonBlocking {
        WheelThread(Runnable task) {
            super(task, "sluice-timer");
        }
    }

    private static final class WheelTask implements TimerTask, Disposable {
        private final Runnable task;
        volatile @Nullable Timeout timeout; // null until the wheel accepted the task

        WheelTask(Runnable task) {
            this.task = task;
        }

        @Override
        public void run(Timeout expired) {
            Schedulers.parallel().schedule(task);
        }

        @Override
        public void dispose() {
            Timeout t = timeout;
            if (t != null) {
                t.cancel();
            }
        }

        @Override
        public boolean isDisposed() {
            Timeout t = timeout;
            return t != null && (t.isCancelled() || t.isExpired());
        }
    }
}
