package dev.sluice.bus;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A {@link DeadLetterStore} that passes every call to another one: extend it and override only what you observe or
 * change (auditing writes, timing them, refusing some), in the manner of Guava's {@code Forwarding…} classes. Thread-safe
 * and non-blocking exactly as far as the delegate is.
 */
public abstract class ForwardingDeadLetterStore implements DeadLetterStore {

    private final DeadLetterStore delegate;

    /**
     * Forward to {@code delegate}.
     *
     * @throws NullPointerException if {@code delegate} is null
     */
    protected ForwardingDeadLetterStore(DeadLetterStore delegate) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
    }

    /** Return the store every call goes to. */
    protected final DeadLetterStore delegate() {
        return delegate;
    }

    @Override
    public Mono<Void> write(DeadLetter letter, @Nullable Instant redriveAt) {
        return delegate.write(letter, redriveAt);
    }

    @Override
    public Mono<Void> writeToStore(DeadLetter letter, @Nullable Instant redriveAt) {
        return delegate.writeToStore(letter, redriveAt);
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
    public <T> T decodePayload(DeadLetter letter, Class<T> type) {
        return delegate.decodePayload(letter, type);
    }

    @Override
    public StoreHealth health() {
        return delegate.health();
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + delegate + "]";
    }
}
