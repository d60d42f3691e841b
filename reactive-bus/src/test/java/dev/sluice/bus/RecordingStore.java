package dev.sluice.bus;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

/** An in-memory store that also remembers every letter it accepted, in order, for tests that check every letter. */
class RecordingStore extends ForwardingDeadLetterStore {

    private final InMemoryDeadLetterStore memory;
    private final ConcurrentLinkedQueue<DeadLetter> written = new ConcurrentLinkedQueue<>();

    RecordingStore() {
        this(InMemoryDeadLetterStore.create(1_000_000));
    }

    private RecordingStore(InMemoryDeadLetterStore memory) {
        super(memory);
        this.memory = memory;
    }

    /** Refuse (or accept again) writes, as {@link InMemoryDeadLetterStore#refuseWrites(boolean)}. */
    void refuseWrites(boolean refuse) {
        memory.refuseWrites(refuse);
    }

    /** Return every accepted letter of {@code subscriber}, in the order they were accepted. */
    List<DeadLetter> letters(String subscriber) {
        return written.stream().filter(l -> l.subscriber().equals(subscriber)).toList();
    }

    /** Return how many letters of {@code subscriber} have each reason. */
    Map<DeadLetterReason, Long> reasons(String subscriber) {
        return letters(subscriber).stream().collect(Collectors.groupingBy(DeadLetter::reason, Collectors.counting()));
    }

    @Override
    public Mono<Void> write(DeadLetter letter, @Nullable Instant redriveAt) {
        return memory.write(letter, redriveAt).doOnSuccess(ok -> written.add(letter));
    }

    @Override
    public Mono<Void> writeToStore(DeadLetter letter, @Nullable Instant redriveAt) {
        return memory.writeToStore(letter, redriveAt).doOnSuccess(ok -> written.add(letter));
    }
}
