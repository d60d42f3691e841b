package dev.sluice.policy.internal;

import java.util.concurrent.atomic.LongAdder;

/**
 * A policy's outcome counts, read by its Micrometer binder. {@link LongAdder}s, so counting costs a few nanoseconds
 * and never contends; nothing is built per call.
 */
public final class PolicyCounters {
    /** Calls that emitted their result. */
    public final LongAdder success = new LongAdder();
    /** Calls that failed and whose fallback completed. */
    public final LongAdder recovered = new LongAdder();
    /** Calls that ended in an error (fallback failures included). */
    public final LongAdder failed = new LongAdder();
    /** Calls refused by the breaker, bulkhead or rate limiter, with no fallback. */
    public final LongAdder rejected = new LongAdder();
    /** Retries scheduled (attempts after the first). */
    public final LongAdder retries = new LongAdder();
    /** Attempts that timed out. */
    public final LongAdder timeouts = new LongAdder();
}
