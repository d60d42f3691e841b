package dev.sluice.bus.redis;

import dev.sluice.bus.DeadLetterStore.StoreHealth;

/** Puts a store's health in words from what it knows now: closed or not, Redis's status, the journal's. */
final class HealthReport {

    private HealthReport() {}

    /** See {@link RedisDeadLetterStore#health()}; never blocks. */
    static StoreHealth of(boolean closed, RedisStatus status, Journal journal) {
        if (closed) {
            return new StoreHealth(StoreHealth.Status.DOWN, "closed");
        }
        RedisStatus.Problem problem = status.problem();
        Throwable journalFailure = journal.failure();
        long journaled = journal.letters();
        if (problem != null && journalFailure != null) {
            return new StoreHealth(
                    StoreHealth.Status.DOWN,
                    "Redis unreachable since " + problem.since() + " (" + problem.error() + ") and the journal at "
                            + journal.path() + " failing (" + journalFailure + "): writes are refused");
        }
        if (problem != null) {
            return new StoreHealth(
                    StoreHealth.Status.DEGRADED,
                    "Redis unreachable since " + problem.since() + " (" + problem.error() + "); " + journaled
                            + " letters in the journal at " + journal.path());
        }
        if (journalFailure != null) {
            return new StoreHealth(
                    StoreHealth.Status.DEGRADED,
                    "the journal at " + journal.path() + " is failing (" + journalFailure
                            + "); a Redis outage now would refuse writes");
        }
        if (journaled > 0) {
            return new StoreHealth(
                    StoreHealth.Status.DEGRADED,
                    journaled + " letters in the journal at " + journal.path() + " waiting for replay into Redis");
        }
        return StoreHealth.up();
    }
}
