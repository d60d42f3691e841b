package dev.sluice.bus.internal;

import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * Ordering by key (docs/DESIGN.md promise 4): events of one key run one at a time, in the order the worker took them. A
 * key is busy from the moment its first event starts until the last event queued behind it ends; a key with nothing
 * running takes no memory. Thread-safe: events end on any thread.
 */
final class KeyOrder {

    private final Map<String, ArrayDeque<Runnable>> busyKeys = new ConcurrentHashMap<>();

    /** Return whether the event may start now; if not, {@code start} runs when the events before it of its key end. */
    boolean take(String key, Runnable start) {
        boolean[] first = {false};
        busyKeys.compute(key, (k, queue) -> {
            if (queue == null) {
                first[0] = true;
                return new ArrayDeque<>();
            }
            queue.add(start);
            return queue;
        });
        return first[0];
    }

    /** Pass {@code key} on to the next event waiting for it, starting that event on this thread; or free the key. */
    void release(String key) {
        @Nullable Runnable[] next = {null};
        busyKeys.computeIfPresent(key, (k, queue) -> {
            next[0] = queue.poll();
            return next[0] == null ? null : queue;
        });
        Runnable start = next[0];
        if (start != null) {
            start.run();
        }
    }
}
