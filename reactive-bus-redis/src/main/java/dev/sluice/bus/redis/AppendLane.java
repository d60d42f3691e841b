package dev.sluice.bus.redis;

import java.util.ArrayDeque;
import java.util.PriorityQueue;
import org.jspecify.annotations.Nullable;

/**
 * The order keeper of one partition's appends (docs/durable-events.md, "Publishing"). While every append succeeds it
 * only numbers them, and each is sent at once (pipelined). When one fails the lane is <em>held</em>: the failed one is
 * retried, and every append started after that waits behind it, so a later event of a key never overtakes an earlier
 * one that is being retried; the held appends are then sent one at a time, in the order they started, until none is
 * left and the lane is free again. Appends sent before the failure cannot be recalled: if they fail too they are
 * retried first, in the order they started. Thread-safe; the monitor is held only for queue operations, never across
 * I/O.
 */
final class AppendLane {

    final int partition;
    final String stream;

    // guarded by this
    private long nextSeq;
    private boolean held;
    private boolean driving;
    private final PriorityQueue<PendingAppend> retrying = new PriorityQueue<>((a, b) -> Long.compare(a.seq(), b.seq()));
    private final ArrayDeque<PendingAppend> waiting = new ArrayDeque<>();

    AppendLane(int partition, String stream) {
        this.partition = partition;
        this.stream = stream;
    }

    /**
     * Number {@code append} and return whether it may be sent now; if not, it was queued behind the append being
     * retried.
     */
    synchronized boolean admit(PendingAppend append) {
        append.seq(nextSeq++);
        if (held) {
            waiting.add(append);
            return false;
        }
        return true;
    }

    /**
     * Hold the lane and queue {@code append}, which failed or was not sent before the lane was held, to be sent in its
     * turn (by admission order, ahead of the appends admitted while held); return whether the caller must start the
     * lane's driver.
     */
    synchronized boolean holdBack(PendingAppend append) {
        held = true;
        retrying.add(append);
        if (driving) {
            return false;
        }
        driving = true;
        return true;
    }

    /** Return the next append the driver sends, or null (and the lane is free) when none is left. */
    synchronized @Nullable PendingAppend next() {
        PendingAppend next = retrying.poll();
        if (next == null) {
            next = waiting.poll();
        }
        if (next == null) {
            held = false;
            driving = false;
        }
        return next;
    }

    /** Return whether appends wait behind a retry now (for tests and health). */
    synchronized boolean held() {
        return held;
    }
}
