package dev.sluice.bus;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** An in-memory store that also remembers every letter it accepted, in order, for tests that check every letter. */
class RecordingStore implements DeadLetterStore {

    private final InMemoryDeadLetterStore delegate = InMemoryDeadLetterStore.create(1_000_000);
    private final ConcurrentLinkedQueue<DeadLetter> written = new ConcurrentLinkedQueue<>();

    /** Refuse (or accept again) writes, as {@link InMemoryDeadLetterStore#refuseWrites(boolean)}. */
    void refuseWrites(boolean refuse) {
        delegate.refuseWrites(refuse);
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
        return delegate.write(letter, redriveAt).doOnSuccess(ok -> written.add(letter));
    }

    @Override
    public Mono<DeadLetter> get(String subscriber, String letterId) {
        return delegate.get(subscriber, letterId);
    }

    @Override
    public Flux<DeadLetter> list(DeadLetterQuery query) {
        return delegate.list(query);
    }

    @Override
    public Mono<Long> count(DeadLetterQuery query) {
        return delegate.count(query);
    }

    @Override
    public Mono<Void> replace(DeadLetter letter, @Nullable Instant redriveAt) {
        return delegate.replace(letter, redriveAt);
    }

    @Override
    public Mono<Void> park(DeadLetter letter) {
        return delegate.park(letter);
    }

    @Override
    public Mono<DeadLetter> claim(String subscriber, String letterId, Instant now, Duration lease) {
        return delegate.claim(subscriber, letterId, now, lease);
    }

    @Override
    public Flux<DeadLetter> claimDue(String subscriber, Instant now, Duration lease, int limit) {
        return delegate.claimDue(subscriber, now, lease, limit);
    }

    @Override
    public Mono<Boolean> delete(String subscriber, String letterId) {
        return delegate.delete(subscriber, letterId);
    }

    @Override
    public Mono<Long> purge(String subscriber) {
        return delegate.purge(subscriber);
    }

    @Override
    public StoreHealth health() {
        return delegate.health();
    }
}
