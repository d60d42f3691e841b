package dev.sluice.bus.internal;

import java.util.concurrent.atomic.LongAdder;

/**
 * Counters followed by a cache line of padding, for the ones written for every event: a publisher's counter and a
 * reader's on one cache line would make the two threads pass the line back and forth for every event (false sharing),
 * which profiling showed costing more than the counting. Counters allocated together (a worker's) end up side by side,
 * also after the garbage collector moves them, so padding after each keeps each on lines of its own.
 */
final class Padded {

    private Padded() {}

    /** Return a new {@link LongAdder} on cache lines of its own. */
    static LongAdder adder() {
        return new Adder();
    }

    @SuppressWarnings("unused")
    private static final class Adder extends LongAdder {
        private static final long serialVersionUID = 1L;
        private long p0, p1, p2, p3, p4, p5, p6, p7;
    }
}
