package dev.sluice.bus;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Where dead letters are kept (SPI): the bus writes to it, users inspect and redrive through it. Implementations must
 * be thread-safe and non-blocking; every method is lazy (nothing happens until subscribed).
 *
 * <p>{@link #write} is the one the bus depends on for "nothing lost": it completes only when the letter is durable,
 * and signals an error when the store refuses, in which case the bus holds the event in flight and applies
 * backpressure until a write succeeds (DESIGN.md promise 8). Writes are idempotent by {@code letterId}.
 */
public interface DeadLetterStore {

    /**
     * Store {@code letter}; writing the same {@code letterId} again stores nothing new.
     *
     * @return a {@code Mono} that completes when the letter is durable, or signals the refusal
     */
    Mono<Void> write(DeadLetter letter);

    /**
     * Read one letter.
     *
     * @return a {@code Mono} of the letter, or empty if the subscriber has no letter with that id
     */
    Mono<DeadLetter> get(String subscriber, String letterId);

    /** List letters matching {@code query}, at most {@code query.limit()}, in the query's order. */
    Flux<DeadLetter> list(DeadLetterQuery query);

    /** Count letters matching {@code query} (its limit is ignored). */
    Mono<Long> count(DeadLetterQuery query);

    /**
     * Replace a letter after a failed redrive: same {@code letterId}, new error, {@code redriveCount + 1}.
     *
     * @return a {@code Mono} that completes when the replacement is durable, or signals {@link
     *     java.util.NoSuchElementException} if no such letter exists
     */
    Mono<Void> replace(DeadLetter letter);

    /**
     * Delete one letter.
     *
     * @return a {@code Mono} of whether a letter was deleted
     */
    Mono<Boolean> delete(String subscriber, String letterId);

    /**
     * Delete every letter of {@code subscriber}.
     *
     * @return a {@code Mono} of how many letters were deleted
     */
    Mono<Long> purge(String subscriber);

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
