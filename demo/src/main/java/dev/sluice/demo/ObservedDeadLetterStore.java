package dev.sluice.demo;

import dev.sluice.bus.DeadLetter;
import dev.sluice.bus.DeadLetterQuery;
import dev.sluice.bus.DeadLetterStore;
import java.time.Duration;
import java.time.Instant;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A {@link DeadLetterStore} that tells an {@link OutcomeListener} when a new letter is durable (the moment the bus
 * counts a {@code DEAD_LETTERED} outcome), and otherwise passes every call through unchanged: the scenario uses it to
 * time publish → outcome for dead letters too.
 */
final class ObservedDeadLetterStore implements DeadLetterStore {

    private final DeadLetterStore store;
    private final OutcomeListener listener;

    ObservedDeadLetterStore(DeadLetterStore store, OutcomeListener listener) {
        this.store = store;
        this.listener = listener;
    }

    @Override
    public Mono<Void> write(DeadLetter letter, @Nullable Instant redriveAt) {
        return store.write(letter, redriveAt)
                .doOnSuccess(done -> listener.outcome(letter.subscriber(), letter.eventId(), letter.publishedAt()));
    }

    @Override
    public Mono<DeadLetter> get(String subscriber, String letterId) {
        return store.get(subscriber, letterId);
    }

    @Override
    public Flux<DeadLetter> list(DeadLetterQuery query) {
        return store.list(query);
    }

    @Override
    public Mono<Long> count(DeadLetterQuery query) {
        return store.count(query);
    }

    @Override
    public Mono<Void> replace(DeadLetter letter, @Nullable Instant redriveAt) {
        return store.replace(letter, redriveAt);
    }

    @Override
    public Mono<Void> park(DeadLetter letter) {
        return store.park(letter);
    }

    @Override
    public Mono<DeadLetter> claim(String subscriber, String letterId, Instant now, Duration lease) {
        return store.claim(subscriber, letterId, now, lease);
    }

    @Override
    public Flux<DeadLetter> claimDue(String subscriber, Instant now, Duration lease, int limit) {
        return store.claimDue(subscriber, now, lease, limit);
    }

    @Override
    public Mono<Boolean> delete(String subscriber, String letterId) {
        return store.delete(subscriber, letterId);
    }

    @Override
    public Mono<Long> purge(String subscriber) {
        return store.purge(subscriber);
    }

    @Override
    public <T> T decodePayload(DeadLetter letter, Class<T> type) {
        return store.decodePayload(letter, type);
    }

    @Override
    public StoreHealth health() {
        return store.health();
    }
}
