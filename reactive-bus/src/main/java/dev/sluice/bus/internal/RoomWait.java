package dev.sluice.bus.internal;

import dev.sluice.bus.DeadLetterReason;
import dev.sluice.bus.Event;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * A publish waiting for room in a full {@code BACKPRESSURE} inbox, as a continuation (no thread waits). Ends exactly
 * once: the event is in the inbox ({@code true}), or it became a dead letter because the wait passed
 * {@code maxPublishWait} ({@code INBOX_OVERFLOW}, and the inbox enters overflow mode) or the subscriber shut down
 * ({@code false}). While the store refuses letters the wait has no limit (promise 2's exception: no loss beats
 * isolation). Runs to its end even if the publish is cancelled (promise 3).
 */
final class RoomWait<T> implements Inbox.Waiter {

    @SuppressWarnings("rawtypes")
    private static final AtomicIntegerFieldUpdater<RoomWait> CLAIMED =
            AtomicIntegerFieldUpdater.newUpdater(RoomWait.class, "claimed");

    private final SubscriberWorker<T> worker;
    private final Event<T> event;
    private final Sinks.One<Boolean> result = Sinks.one();
    private volatile int claimed;
    private volatile boolean expired;
    private volatile @Nullable Disposable timer;

    RoomWait(SubscriberWorker<T> worker, Event<T> event) {
        this.worker = worker;
        this.event = event;
    }

    /** Start waiting; the {@code Mono} emits whether the inbox took the event. */
    Mono<Boolean> start() {
        armTimer();
        worker.inbox.awaitRoom(this);
        return result.asMono();
    }

    private void armTimer() {
        timer = worker.bus
                .scheduler()
                .schedule(this::expire, worker.settings.maxPublishWait().toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Woken: room may have freed up; {@code false} if the wait has already ended (or is ending). */
    @Override
    public boolean wake() {
        if (!CLAIMED.compareAndSet(this, 0, 1)) {
            return false;
        }
        int offered = worker.inbox.offer(event);
        if (offered == Inbox.ACCEPTED) {
            end(true);
        } else if (offered == Inbox.CLOSED) {
            letter(worker.closingReason());
        } else {
            claimed = 0;
            if (expired) {
                expire();
            } else {
                worker.inbox.awaitRoom(this);
            }
        }
        return true;
    }

    private void expire() {
        expired = true;
        if (!CLAIMED.compareAndSet(this, 0, 1)) {
            return; // wake() holds it and will see expired
        }
        if (worker.storeRefusing()) { // letters cannot be written now: keep waiting, and look again later
            expired = false;
            claimed = 0;
            armTimer();
            worker.inbox.awaitRoom(this);
            return;
        }
        worker.inbox.enterOverflow();
        letter(DeadLetterReason.INBOX_OVERFLOW);
    }

    private void letter(DeadLetterReason reason) {
        worker.deadLetterNow(event, reason).subscribe(null, error -> end(false), () -> end(false));
    }

    private void end(boolean accepted) {
        Disposable t = timer;
        if (t != null) {
            t.dispose();
        }
        result.tryEmitValue(accepted);
    }
}
