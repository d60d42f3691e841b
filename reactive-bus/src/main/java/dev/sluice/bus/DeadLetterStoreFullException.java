package dev.sluice.bus;

/**
 * A dead-letter store's refusal of a write because it holds as many letters as its capacity allows. The bus treats it
 * like any other refusal: it keeps the event in flight and applies backpressure until a write succeeds (docs/DESIGN.md
 * promise 8), so the letter is never dropped. Deleting or purging letters makes room again.
 */
public final class DeadLetterStoreFullException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int capacity;

    /**
     * Create the refusal of a store holding {@code capacity} letters.
     *
     * @param capacity the store's capacity, in letters
     */
    public DeadLetterStoreFullException(int capacity) {
        super("dead-letter store is full (capacity " + capacity + " letters); delete or purge letters to make room");
        this.capacity = capacity;
    }

    /** Return the capacity of the store that refused, in letters. */
    public int capacity() {
        return capacity;
    }
}
