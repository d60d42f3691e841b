package dev.sluice.bus;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * One subscriber's letters in an {@link InMemoryDeadLetterStore}: their order, parking, due times and leases. {@code
 * byId} is the truth (get, count, replace, idempotency); {@code order} maps each sequence number to a letter id and
 * only gives the order. An order entry whose id maps to a slot with another sequence number belongs to a write that
 * lost a race for the same id and is about to be removed; readers skip it. Thread-safe, without locks (concurrent
 * maps; each slot changes atomically in {@code compute}). Package-private, beside the store, as its only user.
 */
final class LetterShelf {

    /**
     * A letter, its place in its subscriber's order, whether it is parked, when it is due for redrive (epoch ms, {@link
     * #NOT_DUE} if not scheduled) and until when it is leased (epoch ms).
     */
    record Slot(long seq, DeadLetter letter, boolean parked, long dueAt, long leasedUntil) {
        /** The due time of a letter that is not scheduled for redrive. */
        static final long NOT_DUE = Long.MAX_VALUE;
    }

    final ConcurrentMap<String, Slot> byId = new ConcurrentHashMap<>();
    private final ConcurrentNavigableMap<Long, String> order = new ConcurrentSkipListMap<>();

    /** Add {@code slot} unless its id is taken; on losing that race give the reserved room back. */
    void add(Slot slot, Runnable release) {
        String letterId = slot.letter().letterId();
        // Order first, so that once the id is visible (and deletable) its order entry already exists.
        order.put(slot.seq(), letterId);
        if (byId.putIfAbsent(letterId, slot) != null) {
            order.remove(slot.seq());
            release.run();
        }
    }

    /** Replace the slot of {@code letterId} by {@code change(old)}, moving it in the order; false if absent. */
    boolean update(String letterId, UnaryOperator<Slot> change) {
        Slot[] old = {null};
        Slot next = byId.computeIfPresent(letterId, (id, slot) -> {
            old[0] = slot;
            Slot changed = change.apply(slot);
            order.put(changed.seq(), id); // before the slot is visible, as in add
            return changed;
        });
        if (next == null) {
            return false;
        }
        order.remove(old[0].seq());
        return true;
    }

    /** Lease {@code letterId} until {@code now + lease} if no lease runs; if {@code moveDue}, it is due then. */
    @Nullable
    DeadLetter lease(String letterId, long now, long lease, boolean moveDue) {
        DeadLetter[] leased = {null};
        byId.computeIfPresent(letterId, (id, slot) -> {
            if (slot.leasedUntil() > now || (moveDue && (slot.parked() || slot.dueAt() > now))) {
                return slot;
            }
            leased[0] = slot.letter();
            long until = now + lease;
            return new Slot(slot.seq(), slot.letter(), slot.parked(), moveDue ? until : slot.dueAt(), until);
        });
        return leased[0];
    }

    /**
     * Lease at most {@code limit} live letters due at {@code now} (epoch ms) and not leased, earliest due first, for
     * {@code lease} ms; each becomes due again when its lease ends.
     */
    List<DeadLetter> claimDue(long now, long lease, int limit) {
        List<String> due = byId.values().stream()
                .filter(slot -> !slot.parked() && slot.dueAt() <= now && slot.leasedUntil() <= now)
                .sorted(Comparator.comparingLong(Slot::dueAt))
                .map(slot -> slot.letter().letterId())
                .toList();
        List<DeadLetter> claimed = new ArrayList<>();
        for (String letterId : due) {
            if (claimed.size() >= limit) {
                break;
            }
            DeadLetter letter = lease(letterId, now, lease, true);
            if (letter != null) {
                claimed.add(letter);
            }
        }
        return claimed;
    }

    /** Remove {@code letterId}, giving its room back; false if absent. */
    boolean remove(String letterId, Runnable release) {
        Slot slot = byId.remove(letterId);
        if (slot == null) {
            return false;
        }
        order.remove(slot.seq());
        release.run();
        return true;
    }

    /** Return the slots in their order (newest first if {@code newestFirst}), read lazily. */
    Stream<Slot> inOrder(boolean newestFirst) {
        Map<Long, String> view = newestFirst ? order.descendingMap() : order;
        return view.entrySet().stream().<Slot>mapMulti((entry, sink) -> {
            Slot slot = byId.get(entry.getValue());
            if (slot != null && slot.seq() == entry.getKey()) {
                sink.accept(slot);
            }
        });
    }
}
