package dev.sluice.bus.redis;

import dev.sluice.policy.MeterDoc;
import java.util.List;

/** Every Micrometer meter a {@link RedisDeadLetterStore} registers, in one place; bound by its {@code bindTo}. */
public enum RedisStoreMeters {
    /** Letters accepted by {@code write} and not yet acknowledged by Redis: in flight or in the journal. */
    PENDING(new MeterDoc(
            "sluice.dead.letters.pending",
            "Dead letters accepted by the store and not yet acknowledged by Redis (in flight or in the journal)",
            "letters",
            List.of())),
    /** Letters in the local journal, waiting for replay into Redis. */
    JOURNAL_SIZE(new MeterDoc(
            "sluice.dead.letters.journal.size",
            "Dead letters in the local journal waiting for replay into Redis",
            "letters",
            List.of())),
    /** Writes Redis did not acknowledge (then journaled, or refused if the journal failed too). */
    WRITE_ERRORS(new MeterDoc(
            "sluice.dead.letters.write.errors",
            "Dead-letter writes Redis did not acknowledge (journaled instead, or refused if the journal failed too)",
            "letters",
            List.of())),
    /** Letters deleted by the opt-in MAXLEN to make room. */
    TRIMMED(new MeterDoc(
            "sluice.dead.letters.trimmed",
            "Dead letters deleted by the opt-in maximum stream length to make room for newer ones",
            "letters",
            List.of())),
    /** Letters stored for a subscriber, live and parked, sampled every replay interval; tag {@code subscriber}. */
    STORED(new MeterDoc(
            "sluice.dead.letters.stored",
            "Dead letters stored in Redis for a subscriber, live and parked (sampled)",
            "letters",
            List.of("subscriber")));

    private final MeterDoc doc;

    RedisStoreMeters(MeterDoc doc) {
        this.doc = doc;
    }

    /** Return the meter's name, description, base unit and tag keys. */
    public MeterDoc doc() {
        return doc;
    }
}
