package dev.sluice.bus.redis;

import java.time.Clock;
import java.time.Instant;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether Redis answers the transport, and if not, since when and the last error; whether the instance lease is held.
 * Read by {@link RedisStreamTransport#health()}. Thread-safe.
 */
final class TransportStatus {

    private static final Logger log = LoggerFactory.getLogger(TransportStatus.class);

    private final Clock clock;
    private volatile @Nullable Problem problem;
    private volatile @Nullable String leaseLost;

    TransportStatus(Clock clock) {
        this.clock = clock;
    }

    /** Record that Redis answered. */
    void answered() {
        // read first: a volatile write per append would be a full fence on the hot path
        if (problem != null) {
            problem = null;
            log.info("Redis answers the durable-event transport again");
        }
    }

    /** Record that a command failed with {@code error}. */
    void failed(Throwable error) {
        Problem current = problem;
        problem = new Problem(current == null ? clock.instant() : current.since(), error.toString());
        if (current == null) { // once per outage, not once per append
            log.warn(
                    "Redis did not answer the durable-event transport; appends are retried within the publish timeout",
                    error);
        }
    }

    /** Record that the instance lease is held by another instance ({@code why}), or held again (null). */
    void leaseLost(@Nullable String why) {
        leaseLost = why;
    }

    /** Return the current outage, or null while Redis answers. */
    @Nullable
    Problem problem() {
        return problem;
    }

    /** Return why the instance lease is lost, or null while it is held. */
    @Nullable
    String leaseLost() {
        return leaseLost;
    }

    /** When Redis was first found unreachable in the current outage, and the last error. */
    record Problem(Instant since, String error) {}
}
