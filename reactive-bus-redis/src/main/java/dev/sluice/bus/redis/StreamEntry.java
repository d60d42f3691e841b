package dev.sluice.bus.redis;

import dev.sluice.bus.Event;
import dev.sluice.bus.spi.Received;
import dev.sluice.bus.spi.Undecodable;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;

/**
 * One partition entry a {@link StreamConsumer} read, carrying the lease generation it was read under, so {@code
 * mayStart} and the fenced ack judge it by that generation and not by whatever the consumer holds later. Settles
 * once: the first acknowledgement (applied or refused) or release counts it out of its partition's entries in
 * flight, later ones do not. Immutable apart from that flag; thread-safe.
 *
 * @param <T> the payload type
 */
final class StreamEntry<T> implements Received<T> {

    private final int partition;
    private final String entryId;
    private final @Nullable Event<T> event;
    private final @Nullable Undecodable undecodable;
    private final int deliveryFailures;
    private final long generation;
    private final String token;
    private final AtomicBoolean settled = new AtomicBoolean();

    StreamEntry(
            int partition,
            String entryId,
            StreamContext.Decoded<T> decoded,
            int deliveryFailures,
            long generation,
            String token) {
        this.partition = partition;
        this.entryId = Objects.requireNonNull(entryId, "entryId");
        this.event = decoded.event();
        this.undecodable = decoded.undecodable();
        if ((event == null) == (undecodable == null)) {
            throw new IllegalArgumentException(
                    "entry " + entryId + " must carry exactly one of event and undecodable, but had "
                            + (event == null ? "neither" : "both"));
        }
        this.deliveryFailures = deliveryFailures;
        this.generation = generation;
        this.token = Objects.requireNonNull(token, "token");
    }

    @Override
    public int partition() {
        return partition;
    }

    @Override
    public String entryId() {
        return entryId;
    }

    @Override
    public @Nullable Event<T> event() {
        return event;
    }

    @Override
    public @Nullable Undecodable undecodable() {
        return undecodable;
    }

    @Override
    public int deliveryFailures() {
        return deliveryFailures;
    }

    /** Return the lease generation the entry was read under. */
    long generation() {
        return generation;
    }

    /** Return the lease token the entry was read under: its acknowledgement is fenced by it. */
    String token() {
        return token;
    }

    /** Mark the entry settled: returns true the first time only. */
    boolean settle() {
        return settled.compareAndSet(false, true);
    }

    @Override
    public String toString() {
        return "StreamEntry[partition=" + partition + ", entryId=" + entryId + ", generation=" + generation
                + ", deliveryFailures=" + deliveryFailures + "]";
    }
}
