package dev.sluice.bus.redis;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;

/**
 * What this instance holds of one subscriber's partitions, and how many of each partition's entries it has in flight
 * (read, neither acknowledged nor released yet). Changed by the heartbeat (claims, renewals, losses, releases), the
 * reader (pending cursors) and the bus's threads ({@code mayStart}); every change is a compare-and-set of one
 * partition's {@link Ownership}, so nothing locks. The partitions a read is about to cover are published in {@link
 * #reading()} <em>before</em> their holds are checked, and a release marks the hold draining <em>before</em> it looks
 * there, so a partition is never released while a read that covers it is on the wire.
 */
final class OwnershipTable {

    private final AtomicReferenceArray<@Nullable Ownership> holds;
    private final AtomicIntegerArray inFlight;
    private volatile List<Integer> reading = List.of();

    OwnershipTable(int partitions) {
        this.holds = new AtomicReferenceArray<>(partitions);
        this.inFlight = new AtomicIntegerArray(partitions);
    }

    /** Return the partition count. */
    int partitions() {
        return holds.length();
    }

    /** Return the hold of {@code p}, or null if this instance does not hold it. */
    @Nullable
    Ownership get(int p) {
        return holds.get(p);
    }

    /** Record a fresh hold (after a claim). */
    void put(Ownership hold) {
        holds.set(hold.partition(), hold);
    }

    /**
     * Apply {@code change} to the hold of {@code p} if it is still of {@code generation}.
     *
     * @return the new hold, or null if {@code p} is no longer held under that generation
     */
    @Nullable
    Ownership update(int p, long generation, UnaryOperator<Ownership> change) {
        while (true) {
            Ownership current = holds.get(p);
            if (current == null || current.generation() != generation) {
                return null;
            }
            Ownership next = change.apply(current);
            if (holds.compareAndSet(p, current, next)) {
                return next;
            }
        }
    }

    /** Forget the hold of {@code p} if it is still of {@code generation}: returns whether it was. */
    boolean remove(int p, long generation) {
        while (true) {
            Ownership current = holds.get(p);
            if (current == null || current.generation() != generation) {
                return false;
            }
            if (holds.compareAndSet(p, current, null)) {
                return true;
            }
        }
    }

    /** Return every hold now. */
    List<Ownership> holds() {
        List<Ownership> all = new ArrayList<>();
        for (int p = 0; p < holds.length(); p++) {
            Ownership hold = holds.get(p);
            if (hold != null) {
                all.add(hold);
            }
        }
        return all;
    }

    /** Count an entry of {@code p} read into the bus. */
    void readOne(int p) {
        inFlight.incrementAndGet(p);
    }

    /** Count an entry of {@code p} settled: acknowledged (or refused) or released. */
    void settledOne(int p) {
        inFlight.decrementAndGet(p);
    }

    /** Return how many entries of {@code p} are in flight. */
    int inFlight(int p) {
        return inFlight.get(p);
    }

    /** Return the partitions the read on the wire covers (empty when none is). */
    List<Integer> reading() {
        return reading;
    }

    /** Publish the partitions a read is about to cover, or {@code List.of()} when it ended. */
    void reading(List<Integer> partitions) {
        reading = List.copyOf(partitions);
    }
}
