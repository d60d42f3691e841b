package dev.sluice.bus;

import java.time.Duration;
import java.time.Instant;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Where dead letters are kept (SPI): the bus writes to it, users inspect and redrive through it. Implementations must
 * be thread-safe and non-blocking; every method is lazy (nothing happens until subscribed).
 *
 * <p>{@link #write} is the one the bus depends on for "nothing lost": it completes only when the letter is durable,
 * and signals an error when the store refuses, in which case the bus holds the event in flight and applies
 * backpressure until a write succeeds (docs/DESIGN.md promise 8). Writes are idempotent by {@code letterId}.
 *
 * <p><b>Live and parked letters.</b> A subscriber's letters are <em>live</em> (listed by default, redriven by its
 * {@link RedrivePolicy}) or <em>parked</em> (out of scheduled redrive: its delays ran out, or the payload no longer
 * deserializes; listed with {@link DeadLetterQuery#withParked(boolean)}). Every method that takes a letter id finds
 * the letter in either.
 *
 * <p><b>Scheduling and leases</b> (scheduled redrive, several instances on one store). A live letter may carry a due
 * time ({@code redriveAt}). {@link #claimDue} and {@link #claim} take a <em>lease</em> on a letter: until the lease
 * expires no other claim returns it, so each letter is redriven by one instance at a time, and a letter held by an
 * instance that died is claimable again once its lease expires. {@link #replace}, {@link #park}, {@link #delete} and
 * {@link #purge} release leases. Times are the caller's clock (the bus clock), so leases assume the instances' clocks
 * agree to well within a lease.
 */
public interface DeadLetterStore {

    /**
     * Store {@code letter}, not scheduled for redrive; the same as {@code write(letter, null)}.
     *
     * @return a {@code Mono} that completes when the letter is durable, or signals the refusal
     */
    default Mono<Void> write(DeadLetter letter) {
        return write(letter, null);
    }

    /**
     * Store {@code letter} as a live letter, due for scheduled redrive at {@code redriveAt} (null: not scheduled).
     * Writing a {@code letterId} the subscriber already has stores nothing new and changes nothing.
     *
     * @return a {@code Mono} that completes when the letter is durable, or signals the refusal
     */
    Mono<Void> write(DeadLetter letter, @Nullable Instant redriveAt);

    /**
     * Store {@code letter} as {@link #write(DeadLetter, Instant)} does, but complete only once the store itself holds
     * it, never on a local fallback such as a journal: the durable transport acknowledges an entry only after its
     * letter is in the store (docs/DESIGN.md, "Durable types"), because an entry acknowledged on a journaled letter
     * would die with the journal's machine. A store without a fallback needs no override.
     *
     * @return a {@code Mono} that completes when the store itself holds the letter, or signals the refusal
     */
    default Mono<Void> writeToStore(DeadLetter letter, @Nullable Instant redriveAt) {
        return write(letter, redriveAt);
    }

    /**
     * Read one letter, live or parked.
     *
     * @return a {@code Mono} of the letter, or empty if the subscriber has no letter with that id
     */
    Mono<DeadLetter> get(String subscriber, String letterId);

    /** List letters matching {@code query}: skip {@code query.offset()}, then at most {@code query.limit()}. */
    Flux<DeadLetter> list(DeadLetterQuery query);

    /** Count letters matching {@code query} (its offset and limit are ignored). */
    Mono<Long> count(DeadLetterQuery query);

    /**
     * Replace a letter after a failed redrive (same {@code letterId}, the new error, {@code redriveCount + 1}),
     * atomically: a reader sees the old letter or the new one, never none or both. A live letter stays live and is
     * due again at {@code redriveAt} (null: not scheduled); a parked letter stays parked. Releases its lease.
     *
     * @return a {@code Mono} that completes when the replacement is durable, or signals {@link
     *     java.util.NoSuchElementException} naming the id if no such letter exists
     */
    Mono<Void> replace(DeadLetter letter, @Nullable Instant redriveAt);

    /**
     * Replace a letter by {@code letter} and park it: out of scheduled redrive, listed only by parked queries.
     * Releases its lease.
     *
     * @return a {@code Mono} that completes when durable, or signals {@link java.util.NoSuchElementException} naming
     *     the id if no such letter exists
     */
    Mono<Void> park(DeadLetter letter);

    /**
     * Lease one letter for {@code lease} from {@code now}, if no other lease on it is running.
     *
     * @return a {@code Mono} of the letter if this call leased it; empty if there is no such letter or another lease
     *     holds it
     */
    Mono<DeadLetter> claim(String subscriber, String letterId, Instant now, Duration lease);

    /**
     * Lease up to {@code limit} live letters of {@code subscriber} whose due time is at or before {@code now} and that
     * no running lease holds, earliest due first. A claimed letter's due time moves to the lease's end, so if the
     * claimer dies the letter is due again then.
     *
     * @return a {@code Flux} of the claimed letters
     */
    Flux<DeadLetter> claimDue(String subscriber, Instant now, Duration lease, int limit);

    /**
     * Delete one letter, live or parked; releases its lease.
     *
     * @return a {@code Mono} of whether a letter was deleted
     */
    Mono<Boolean> delete(String subscriber, String letterId);

    /**
     * Delete every letter of {@code subscriber}, live and parked.
     *
     * @return a {@code Mono} of how many letters were deleted
     */
    Mono<Long> purge(String subscriber);

    /**
     * Return {@code letter}'s payload as a {@code type}, for redrive. The default accepts a payload that already is a
     * {@code type} (stores that keep objects); stores that serialize payloads decode them.
     *
     * @return the payload
     * @throws IllegalArgumentException if the payload cannot be turned into a {@code type}; the message says why
     */
    default <T> T decodePayload(DeadLetter letter, Class<T> type) {
        Object payload = letter.payload();
        if (!type.isInstance(payload)) {
            throw new IllegalArgumentException("payload of letter " + letter.letterId() + " is a "
                    + payload.getClass().getName() + ", not a " + type.getName());
        }
        return type.cast(payload);
    }

    /**
     * Return the store's health now; never blocks.
     *
     * @return {@code UP}, or {@code DEGRADED} / {@code DOWN} with the reason in words
     */
    StoreHealth health();

    /** A store's health with the reason in words. */
    record StoreHealth(Status status, String reason) {
        /** Health states. */
        public enum Status {
            /** Writes are acknowledged normally. */
            UP,
            /** Writes are accepted but not at full durability or speed (e.g. journaled while Redis is down). */
            DEGRADED,
            /** Writes are refused. */
            DOWN
        }

        /** Return an {@code UP} health. */
        public static StoreHealth up() {
            return new StoreHealth(Status.UP, "ok");
        }
    }
}
