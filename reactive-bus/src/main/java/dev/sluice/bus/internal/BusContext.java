package dev.sluice.bus.internal;

import dev.sluice.bus.DeadLetter;
import dev.sluice.bus.DeadLetterStore;
import dev.sluice.bus.EventType;
import io.micrometer.observation.ObservationRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.util.retry.Retry;

/**
 * What every subscriber of one bus shares: the dead-letter store, the clock, the timer scheduler and the instance
 * name. Immutable.
 *
 * @param store where dead letters go
 * @param clock timestamps of events and letters
 * @param scheduler timers: publish waits, store retries, pause re-checks
 * @param instance this bus instance's name, written into letters
 * @param system publishes the bus's own system events (never waits)
 * @param delivery where subscribers read their inboxes and call their handlers (one worker per subscriber)
 * @param observations where handlings are observed ({@code ObservationRegistry.NOOP}: not at all)
 * @param linkProcessing whether a handling's observation is linked to its event's trace (else its child)
 */
record BusContext(
        DeadLetterStore store,
        Clock clock,
        Scheduler scheduler,
        String instance,
        SystemPublisher system,
        Scheduler delivery,
        ObservationRegistry observations,
        boolean linkProcessing) {

    /** Publishes a system event on the bus, best effort: never waits, never fails the caller. */
    interface SystemPublisher {
        /** Publish {@code payload} as an event of the system type {@code type}. */
        <X> void publish(EventType<X> type, X payload);
    }

    /** First and longest delay between attempts to write a letter the store refused. */
    static final Duration STORE_RETRY_MIN = Duration.ofMillis(50), STORE_RETRY_MAX = Duration.ofSeconds(5);

    /**
     * Write {@code letter}, due for scheduled redrive at {@code redriveAt} (null: not scheduled), retrying for as long
     * as the store refuses (docs/DESIGN.md promise 8: refusal is backpressure, not loss); {@code refusing} is told when
     * the store refuses and when it accepts again.
     */
    Mono<Void> writeDurably(DeadLetter letter, @Nullable Instant redriveAt, StoreState refusing) {
        return writeDurably(store.write(letter, redriveAt), refusing);
    }

    /**
     * Write {@code letter} as {@link #writeDurably(DeadLetter, Instant, StoreState)} does, but complete only once the
     * store itself holds it, never on a local journal ({@code DeadLetterStore.writeToStore}): for durable entries,
     * acknowledged only after their letter is in the store.
     */
    Mono<Void> writeToStoreDurably(DeadLetter letter, @Nullable Instant redriveAt, StoreState refusing) {
        // marked refusing at the first refusal, not only before the retry: a durable subscriber reads nothing more
        return writeDurably(store.writeToStore(letter, redriveAt).doOnError(refusing::refused), refusing);
    }

    private Mono<Void> writeDurably(Mono<Void> write, StoreState refusing) {
        return write.retryWhen(Retry.backoff(Long.MAX_VALUE, STORE_RETRY_MIN)
                        .maxBackoff(STORE_RETRY_MAX)
                        .scheduler(scheduler)
                        .doBeforeRetry(signal -> refusing.refused(signal.failure())))
                .doOnSuccess(ok -> refusing.accepted());
    }

    /** Receives the store's refusals and recoveries. */
    interface StoreState {
        /** Note that the store refused a letter with {@code error}; the write is retried. */
        void refused(Throwable error);

        /** Note that the store accepted a letter. */
        void accepted();
    }
}
