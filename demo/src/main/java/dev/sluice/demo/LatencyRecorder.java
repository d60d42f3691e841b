package dev.sluice.demo;

import java.time.Instant;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Publish → first outcome latency of every (event, subscriber), in milliseconds, for the scenario report. Redrives
 * report outcomes for events that already had one; those are told apart by event id and not counted again.
 * Lock-free; memory is fixed at construction.
 */
final class LatencyRecorder implements OutcomeListener {

    private final AtomicLongArray samples;
    private final AtomicInteger count = new AtomicInteger();
    private final Set<String> seen = ConcurrentHashMap.newKeySet();

    LatencyRecorder(int capacity) {
        this.samples = new AtomicLongArray(capacity);
    }

    @Override
    public void outcome(String subscriber, String eventId, Instant publishedAt) {
        if (!seen.add(subscriber + '|' + eventId)) {
            return; // a redrive of an event that already had its outcome
        }
        int index = count.getAndIncrement();
        if (index < samples.length()) {
            samples.set(index, Math.max(0, System.currentTimeMillis() - publishedAt.toEpochMilli()));
        }
    }

    /** Return p50, p99 and max in milliseconds, and the number of samples: {@code [p50, p99, max, n]}. */
    long[] summary() {
        int n = Math.min(count.get(), samples.length());
        long[] sorted = new long[n];
        for (int i = 0; i < n; i++) {
            sorted[i] = samples.get(i);
        }
        Arrays.sort(sorted);
        return n == 0
                ? new long[] {0, 0, 0, 0}
                : new long[] {sorted[(int) (n * 0.50)], sorted[Math.min(n - 1, (int) (n * 0.99))], sorted[n - 1], n};
    }
}
