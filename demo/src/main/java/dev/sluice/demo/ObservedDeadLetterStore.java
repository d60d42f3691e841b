package dev.sluice.demo;

import dev.sluice.bus.DeadLetter;
import dev.sluice.bus.DeadLetterStore;
import dev.sluice.bus.ForwardingDeadLetterStore;
import java.time.Instant;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

/**
 * A {@link DeadLetterStore} that tells an {@link OutcomeListener} when a new letter is durable (the moment the bus
 * counts a {@code DEAD_LETTERED} outcome), and otherwise passes every call through unchanged ({@link ForwardingDeadLetterStore}): the scenario uses it to
 * time publish → outcome for dead letters too.
 */
final class ObservedDeadLetterStore extends ForwardingDeadLetterStore {

    private final OutcomeListener listener;

    ObservedDeadLetterStore(DeadLetterStore store, OutcomeListener listener) {
        super(store);
        this.listener = listener;
    }

    @Override
    public Mono<Void> write(DeadLetter letter, @Nullable Instant redriveAt) {
        return delegate()
                .write(letter, redriveAt)
                .doOnSuccess(done -> listener.outcome(letter.subscriber(), letter.eventId(), letter.publishedAt()));
    }
}
