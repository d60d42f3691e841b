package dev.sluice.policy.internal;

import java.util.concurrent.atomic.LongAdder;

/**
 * A policy's outcome counts, read by its Micrometer binder. {@link LongAdder}s, each on cache lines of its own, so
 * counting costs a few nanoseconds and never contends; nothing is built per call.
 */
public final class PolicyCounters {
    /** Calls that emitted their result. */
    public final LongAdder success = new Padded();
    /** Calls that failed and whose fallback completed. */
    public final LongAdder recovered = new Padded();
    /** Calls that ended in an error (fallback failures included). */
    public final LongAdder failed = new Padded();
    /** Calls refused by the breaker, bulkhead or rate limiter, with no fallback. */
    public final LongAdder rejected = new Padded();
    /** Retries scheduled (attempts after the first). */
    public final LongAdder retries = new Padded();
    /** Attempts that timed out. */
    public final LongAdder timeouts = new Padded();
    /** Hedged attempts started (beside a round's primary). */
    public final LongAdder hedges = new Padded();
    /** Rounds won by a hedged attempt rather than the primary. */
    public final LongAdder hedgesWon = new Padded();

    /**
     * A counter followed by a cache line of padding: counters allocated together end up side by side, also after the
     * garbage collector moves them, and one written for every call must not share a line with anything another
     * thread writes as often (false sharing: profiling showed the success count costing more than the breaker).
     */
    @SuppressWarnings("unused")
    private static final class Padded extends LongAdder {
        private static final long serialVersionUID = 1L;
        private long p0, p1, p2, p3, p4, p5, p6, p7;
    }
}
