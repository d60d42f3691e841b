package dev.sluice.bus;

import dev.sluice.bus.LetterShelf.Slot;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A bounded {@link DeadLetterStore} kept in this JVM's heap, for tests and for users without Redis. Letters are lost
 * when the process ends: "durable" here means "held by this store", nothing more.
 *
 * <p>The store holds at most {@link #capacity()} letters across all subscribers. When it is full, {@link #write}
 * signals {@link DeadLetterStoreFullException} instead of dropping anything; the bus turns that refusal into
 * backpressure (docs/DESIGN.md promise 8), and deleting or purging letters makes room again. Writes are idempotent by
 * {@code letterId}: writing an id the subscriber already has changes nothing and does not count toward capacity.
 *
 * <p>Each subscriber's letters keep their insertion order, so {@link #list} can go oldest or newest first; {@link
 * #replace} moves a letter to the newest end. Scheduling and leases follow {@link DeadLetterStore}, by the times callers
 * pass. Thread-safe and never blocking (concurrent maps and atomics, no locks of its own), so
 * it may be used from any thread, including Reactor's non-blocking ones. It uses no scheduler: every method runs on the thread
 * that subscribes, and nothing happens until then.
 */
public final class InMemoryDeadLetterStore implements DeadLetterStore {

    /** Capacity of {@link #create()}, in letters across all subscribers. */
    public static final int DEFAULT_CAPACITY = 100_000;

    private final int capacity;
    private final AtomicInteger size = new AtomicInteger();
    // One sequence for the whole store; only its order within a subscriber matters.
    private final AtomicLong sequence = new AtomicLong();
    private final ConcurrentMap<String, LetterShelf> shelves = new ConcurrentHashMap<>();
    private volatile boolean refusingWrites;

    private InMemoryDeadLetterStore(int capacity) {
        this.capacity = capacity;
    }

    /**
     * Create a store holding at most {@value #DEFAULT_CAPACITY} letters.
     *
     * @return an empty store
     */
    public static InMemoryDeadLetterStore create() {
        return new InMemoryDeadLetterStore(DEFAULT_CAPACITY);
    }

    /**
     * Create a store holding at most {@code capacity} letters across all subscribers.
     *
     * @param capacity the most letters the store holds, at least 1
     * @return an empty store
     * @throws IllegalArgumentException if {@code capacity} is less than 1
     */
    public static InMemoryDeadLetterStore create(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be >= 1, but was " + capacity);
        }
        return new InMemoryDeadLetterStore(capacity);
    }

    /** Return the most letters this store holds, across all subscribers. */
    public int capacity() {
        return capacity;
    }

    /** Return how many letters this store holds now, across all subscribers. */
    public int size() {
        return size.get();
    }

    /**
     * Make {@link #write} refuse (or accept again), to test how the bus reacts to a refusing store (docs/DESIGN.md
     * promise 8). While refusing, {@code write} signals {@link IllegalStateException} and {@link #health()} is {@code
     * DOWN}; the other methods work as usual. Takes effect for writes subscribed afterwards.
     *
     * @param refuse {@code true} to refuse writes, {@code false} to accept them again
     */
    public void refuseWrites(boolean refuse) {
        this.refusingWrites = refuse;
    }

    /**
     * Store {@code letter} under its subscriber, after that subscriber's other letters, due for redrive at {@code
     * redriveAt} (null: not scheduled).
     *
     * @return a {@code Mono} that completes once the letter is held (at once if the subscriber already has a letter
     *     with that id, which is left unchanged), or signals {@link DeadLetterStoreFullException} if the store is
     *     full, or {@link IllegalStateException} while {@link #refuseWrites(boolean) refusing writes}
     * @throws NullPointerException if {@code letter} is null
     */
    @Override
    public Mono<Void> write(DeadLetter letter, @Nullable Instant redriveAt) {
        Objects.requireNonNull(letter, "letter");
        return Mono.defer(() -> {
            if (refusingWrites) {
                return Mono.error(new IllegalStateException("store refusing writes (test switch)"));
            }
            LetterShelf shelf = shelves.computeIfAbsent(letter.subscriber(), s -> new LetterShelf());
            if (shelf.byId.containsKey(letter.letterId())) {
                return Mono.empty();
            }
            if (!reserve()) {
                return Mono.error(new DeadLetterStoreFullException(capacity));
            }
            shelf.add(new Slot(sequence.incrementAndGet(), letter, false, millis(redriveAt), 0), this::release);
            return Mono.empty();
        });
    }

    /**
     * Read one letter.
     *
     * @return a {@code Mono} of the letter, or empty if {@code subscriber} has no letter with that id; never errors
     * @throws NullPointerException if an argument is null
     */
    @Override
    public Mono<DeadLetter> get(String subscriber, String letterId) {
        Objects.requireNonNull(subscriber, "subscriber");
        Objects.requireNonNull(letterId, "letterId");
        return Mono.fromSupplier(() -> {
            LetterShelf shelf = shelves.get(subscriber);
            Slot slot = shelf == null ? null : shelf.byId.get(letterId);
            return slot == null ? null : slot.letter();
        });
    }

    /**
     * List the letters matching {@code query}.
     *
     * @return a {@code Flux} of at most {@code query.limit()} letters after the first {@code query.offset()} matches,
     *     in the order written or last replaced (newest first if {@code
     *     query.newestFirst()}), read as the subscriber requests them; it completes after the last match and never
     *     errors. Letters written or deleted while it is read may or may not appear.
     * @throws NullPointerException if {@code query} is null
     */
    @Override
    public Flux<DeadLetter> list(DeadLetterQuery query) {
        Objects.requireNonNull(query, "query");
        return Flux.defer(() -> {
            LetterShelf shelf = shelves.get(query.subscriber());
            if (shelf == null) {
                return Flux.empty();
            }
            return Flux.fromStream(() -> shelf.inOrder(query.newestFirst())
                    .filter(slot -> slot.parked() == query.parked() && query.matches(slot.letter()))
                    .skip(query.offset())
                    .limit(query.limit())
                    .map(Slot::letter));
        });
    }

    /**
     * Count the letters matching {@code query}, ignoring its limit.
     *
     * @return a {@code Mono} of the count, never errors
     * @throws NullPointerException if {@code query} is null
     */
    @Override
    public Mono<Long> count(DeadLetterQuery query) {
        Objects.requireNonNull(query, "query");
        return Mono.fromSupplier(() -> {
            LetterShelf shelf = shelves.get(query.subscriber());
            return shelf == null
                    ? 0L
                    : shelf.byId.values().stream()
                            .filter(slot -> slot.parked() == query.parked() && query.matches(slot.letter()))
                            .count();
        });
    }

    /**
     * Replace the subscriber's letter with the same id by {@code letter}, moving it to the newest end of its order;
     * a live letter is due again at {@code redriveAt} (null: not scheduled), a parked one stays parked. Releases its
     * lease. Not affected by {@link #refuseWrites(boolean)} and never refused for capacity (the letter count does not
     * change).
     *
     * @return a {@code Mono} that completes once replaced, or signals {@link NoSuchElementException} naming the id if
     *     the subscriber has no such letter
     * @throws NullPointerException if {@code letter} is null
     */
    @Override
    public Mono<Void> replace(DeadLetter letter, @Nullable Instant redriveAt) {
        Objects.requireNonNull(letter, "letter");
        return update(
                letter,
                old -> old.parked()
                        ? new Slot(sequence.incrementAndGet(), letter, true, Slot.NOT_DUE, 0)
                        : new Slot(sequence.incrementAndGet(), letter, false, millis(redriveAt), 0));
    }

    /**
     * Replace the subscriber's letter with the same id by {@code letter} and park it (see {@link DeadLetterStore}).
     *
     * @return a {@code Mono} that completes once parked, or signals {@link NoSuchElementException} naming the id if
     *     the subscriber has no such letter
     * @throws NullPointerException if {@code letter} is null
     */
    @Override
    public Mono<Void> park(DeadLetter letter) {
        Objects.requireNonNull(letter, "letter");
        return update(letter, old -> new Slot(sequence.incrementAndGet(), letter, true, Slot.NOT_DUE, 0));
    }

    private Mono<Void> update(DeadLetter letter, UnaryOperator<Slot> change) {
        return Mono.defer(() -> {
            LetterShelf shelf = shelves.get(letter.subscriber());
            if (shelf == null || !shelf.update(letter.letterId(), change)) {
                return Mono.error(new NoSuchElementException(
                        "no dead letter " + letter.letterId() + " for subscriber " + letter.subscriber()));
            }
            return Mono.empty();
        });
    }

    /**
     * Lease one letter (see {@link DeadLetterStore#claim}).
     *
     * @return a {@code Mono} of the letter if leased now, empty if absent or leased until after {@code now}; never
     *     errors
     * @throws NullPointerException if an argument is null
     */
    @Override
    public Mono<DeadLetter> claim(String subscriber, String letterId, Instant now, Duration lease) {
        Objects.requireNonNull(subscriber, "subscriber");
        Objects.requireNonNull(letterId, "letterId");
        Objects.requireNonNull(now, "now");
        Objects.requireNonNull(lease, "lease");
        return Mono.fromSupplier(() -> {
            LetterShelf shelf = shelves.get(subscriber);
            return shelf == null ? null : shelf.lease(letterId, now.toEpochMilli(), lease.toMillis(), false);
        });
    }

    /**
     * Lease the live letters due at {@code now} (see {@link DeadLetterStore#claimDue}).
     *
     * @return a {@code Flux} of at most {@code limit} letters, earliest due first; never errors
     * @throws NullPointerException if an argument is null
     */
    @Override
    public Flux<DeadLetter> claimDue(String subscriber, Instant now, Duration lease, int limit) {
        Objects.requireNonNull(subscriber, "subscriber");
        Objects.requireNonNull(now, "now");
        Objects.requireNonNull(lease, "lease");
        return Flux.defer(() -> {
            LetterShelf shelf = shelves.get(subscriber);
            if (shelf == null) {
                return Flux.empty();
            }
            List<DeadLetter> claimed = shelf.claimDue(now.toEpochMilli(), lease.toMillis(), limit);
            return Flux.fromIterable(claimed);
        });
    }

    /**
     * Delete one letter, making room for another.
     *
     * @return a {@code Mono} of {@code true} if the letter was deleted, {@code false} if there was none; never errors
     * @throws NullPointerException if an argument is null
     */
    @Override
    public Mono<Boolean> delete(String subscriber, String letterId) {
        Objects.requireNonNull(subscriber, "subscriber");
        Objects.requireNonNull(letterId, "letterId");
        return Mono.fromSupplier(() -> {
            LetterShelf shelf = shelves.get(subscriber);
            return shelf != null && shelf.remove(letterId, this::release);
        });
    }

    /**
     * Delete every letter of {@code subscriber}. Letters written while the purge runs may survive it.
     *
     * @return a {@code Mono} of how many letters were deleted, never errors
     * @throws NullPointerException if {@code subscriber} is null
     */
    @Override
    public Mono<Long> purge(String subscriber) {
        Objects.requireNonNull(subscriber, "subscriber");
        return Mono.fromSupplier(() -> {
            // The shelf stays: a concurrent write may already hold it, and a removed shelf would hide its letter.
            LetterShelf shelf = shelves.get(subscriber);
            long deleted = 0;
            if (shelf != null) {
                for (String letterId : shelf.byId.keySet()) {
                    if (shelf.remove(letterId, this::release)) {
                        deleted++;
                    }
                }
            }
            return deleted;
        });
    }

    /**
     * Return the store's health now; never blocks.
     *
     * @return {@code DOWN} with reason "full (capacity N)" when full, {@code DOWN} while {@link
     *     #refuseWrites(boolean) refusing writes}, else {@code UP}
     */
    @Override
    public StoreHealth health() {
        if (refusingWrites) {
            return new StoreHealth(StoreHealth.Status.DOWN, "refusing writes (test switch)");
        }
        if (size.get() >= capacity) {
            return new StoreHealth(StoreHealth.Status.DOWN, "full (capacity " + capacity + ")");
        }
        return StoreHealth.up();
    }

    @Override
    public String toString() {
        return "InMemoryDeadLetterStore[" + size.get() + "/" + capacity + " letters]";
    }

    private boolean reserve() {
        int n;
        do {
            n = size.get();
            if (n >= capacity) {
                return false;
            }
        } while (!size.compareAndSet(n, n + 1));
        return true;
    }

    private void release() {
        size.decrementAndGet();
    }

    private static long millis(@Nullable Instant at) {
        return at == null ? Slot.NOT_DUE : at.toEpochMilli();
    }
}
