package dev.sluice.bus.redis;

import java.time.Clock;
import java.time.Instant;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Whether Redis answers the store, and if not, since when and the last error; read by health. Thread-safe. */
final class RedisStatus {

    private static final Logger log = LoggerFactory.getLogger(RedisStatus.class);

    private final Clock clock;
    private volatile @Nullable Problem problem;

    RedisStatus(Clock clock) {
        this.clock = clock;
    }

    /** Record that Redis answered. */
    void answered() {
        // read first: a volatile write per acknowledged letter would be a full fence on the hot path
        if (problem != null) {
            problem = null;
        }
    }

    /** Record that Redis did not answer a command with {@code error}. */
    void unreachable(Throwable error) {
        Problem current = problem;
        problem = new Problem(current == null ? clock.instant() : current.since(), error.toString());
        if (current == null) { // once per outage, not once per letter
            log.warn("Redis did not acknowledge a dead letter; journaling letters until it answers again", error);
        } else {
            log.debug("Redis did not acknowledge a dead letter; journaling it", error);
        }
    }

    /** Return the current outage, or null while Redis answers. */
    @Nullable
    Problem problem() {
        return problem;
    }

    /** When Redis was first found unreachable in the current outage, and the last error. */
    record Problem(Instant since, String error) {}
}
