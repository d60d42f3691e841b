package dev.sluice.bus.redis;

import dev.sluice.bus.PublishFailedException;
import dev.sluice.bus.spi.Appended;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;
import reactor.core.publisher.MonoSink;

/**
 * One append on its way to its partition stream: its entry, its deadline (the publish timeout from its subscription)
 * and the sink of its {@code Mono}. Settles exactly once: acknowledged, failed, expired at its deadline, or cancelled.
 * Thread-safe.
 */
final class PendingAppend implements Disposable {

    private static final AtomicIntegerFieldUpdater<PendingAppend> DONE =
            AtomicIntegerFieldUpdater.newUpdater(PendingAppend.class, "done");

    final DeclaredType type;
    final AppendLane lane;
    final String eventId;
    final String[] fields;
    final long deadline;
    private final MonoSink<Appended> sink;
    private long seq;
    private int attempts;
    private volatile @Nullable Throwable lastError;
    private volatile @Nullable Disposable timer;
    private volatile int done;

    PendingAppend(
            DeclaredType type,
            AppendLane lane,
            String eventId,
            String[] fields,
            long deadline,
            MonoSink<Appended> sink) {
        this.type = type;
        this.lane = lane;
        this.eventId = eventId;
        this.fields = fields;
        this.deadline = deadline;
        this.sink = sink;
    }

    long seq() {
        return seq;
    }

    void seq(long seq) {
        this.seq = seq;
    }

    /** Count one more failed attempt with {@code error}; return how many attempts failed so far. */
    int attemptFailed(Throwable error) {
        lastError = error;
        return ++attempts;
    }

    /** Return whether it settled (then nothing more is sent for it). */
    boolean settled() {
        return done != 0;
    }

    /** Return whether its deadline timer was armed already. */
    boolean expiring() {
        return timer != null;
    }

    /** Fail it at its deadline, unless it settles first; {@code timer} is the scheduled task. */
    void expiresWith(Disposable timer) {
        this.timer = timer;
        if (settled()) {
            timer.dispose();
        }
    }

    /** Complete it with the entry id Redis gave it. */
    void acknowledged(String entryId) {
        if (settle()) {
            type.appended.increment();
            sink.success(new Appended(eventId, lane.partition, entryId));
        }
    }

    /** Fail it with {@code cause}. */
    void fail(Throwable cause) {
        if (settle()) {
            type.failed.increment();
            sink.error(new PublishFailedException(type.name, lane.partition, cause));
        }
    }

    /** Fail it because its publish timeout ran out; the last attempt's error is the cause, if there was one. */
    void expire() {
        Throwable last = lastError;
        TimeoutException timeout = new TimeoutException("no acknowledgement from Redis within the publish timeout");
        if (last != null) {
            timeout.initCause(last);
        }
        fail(timeout);
    }

    /** Cancelled by its subscriber: nothing more is sent for it (an attempt already sent may still land). */
    @Override
    public void dispose() {
        settle();
    }

    @Override
    public boolean isDisposed() {
        return settled();
    }

    private boolean settle() {
        if (!DONE.compareAndSet(this, 0, 1)) {
            return false;
        }
        Disposable t = timer;
        if (t != null) {
            t.dispose();
        }
        return true;
    }
}
