package dev.sluice.bus.internal;

import dev.sluice.bus.DeadLetter;
import dev.sluice.bus.DeadLetterReason;
import dev.sluice.bus.Event;
import dev.sluice.bus.Outcome;
import dev.sluice.bus.RedrivePolicy;
import dev.sluice.bus.SystemEvents;
import dev.sluice.bus.spi.Undecodable;
import java.time.Instant;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

/**
 * Writes one subscriber's dead letters: each durably (retried while the store refuses, docs/DESIGN.md promise 8), due
 * for redrive after the first delay of the subscriber's {@link RedrivePolicy} if it has one, counted by reason once the
 * store acknowledged it, and announced as a {@code sluice.dead-letter.recorded} system event (not for system-event
 * subscribers). Runs only on failure paths. Thread-safe.
 */
final class DeadLettering<T> {

    private final SubscriberSettings<T> settings;
    private final BusContext bus;
    private final Counters counters;
    private final Health health;

    DeadLettering(SubscriberSettings<T> settings, BusContext bus, Counters counters, Health health) {
        this.settings = settings;
        this.bus = bus;
        this.counters = counters;
        this.health = health;
    }

    /** Build the letter of {@code event}, which ended with {@code reason} after {@code attempts} attempts. */
    DeadLetter letterOf(
            Event<T> event,
            DeadLetterReason reason,
            @Nullable Throwable error,
            @Nullable Throwable cause,
            int attempts) {
        return Letters.of(
                event,
                settings.name(),
                reason,
                error,
                cause,
                attempts,
                bus.clock().instant(),
                bus.instance());
    }

    /**
     * Build the letter of a durable entry's {@code event} under its derived {@code letterId} (the same for every
     * delivery of the entry, so a crash between letter and ack makes no second letter).
     */
    DeadLetter letterOf(
            Event<T> event,
            DeadLetterReason reason,
            @Nullable Throwable error,
            @Nullable Throwable cause,
            int attempts,
            String letterId) {
        return Letters.of(
                letterId,
                event,
                settings.name(),
                reason,
                error,
                cause,
                attempts,
                bus.clock().instant(),
                bus.instance());
    }

    /** Build the {@code DESERIALIZATION_FAILED} letter of a durable entry that could not be decoded. */
    DeadLetter letterOf(Undecodable entry, String letterId) {
        return Letters.undecodable(letterId, entry, settings.name(), bus.clock().instant(), bus.instance());
    }

    /**
     * Write the letter of a durable entry: completes once the store itself holds it (not a local journal), counted
     * by reason and announced; the entry's outcome is counted when it has been acknowledged.
     */
    Mono<Void> writeToStore(DeadLetter letter) {
        return bus.writeToStoreDurably(letter, redriveAt(letter), health).doOnSuccess(ok -> {
            counters.letterWritten(letter.reason());
            recorded(letter);
        });
    }

    /**
     * Write {@code letter} for an event whose handling goes on (the policy's per-call fallback): completes when the
     * letter is durable; the event's outcome is counted when its handling ends.
     */
    Mono<Void> write(DeadLetter letter) {
        return bus.writeDurably(letter, redriveAt(letter), health).doOnSuccess(ok -> {
            counters.letterWritten(letter.reason());
            recorded(letter);
        });
    }

    /**
     * Write {@code letter} for an event that ends with it ({@code DEAD_LETTERED}): completes when the letter is
     * durable, and the event has left in-flight.
     */
    Mono<Void> writeAndCount(DeadLetter letter) {
        return bus.writeDurably(letter, redriveAt(letter), health).doOnSuccess(ok -> {
            recorded(letter); // before the event leaves in-flight, so the bus is never seen idle in between
            counters.letterWritten(letter.reason());
            counters.ended(Outcome.DEAD_LETTERED);
        });
    }

    /** Dead-letter {@code event} (already accepted) without handling it; completes when the letter is durable. */
    Mono<Void> deadLetterNow(Event<T> event, DeadLetterReason reason) {
        return writeAndCount(letterOf(event, reason, null, null, 0));
    }

    /** New letters of a subscriber with a redrive policy are due after the policy's first delay. */
    private @Nullable Instant redriveAt(DeadLetter letter) {
        RedrivePolicy policy = settings.redrive();
        return policy == null
                ? null
                : letter.lastFailedAt().plus(policy.delays().get(0));
    }

    private void recorded(DeadLetter letter) {
        if (!settings.bestEffort()) {
            bus.system()
                    .publish(
                            SystemEvents.DEAD_LETTER_RECORDED,
                            new SystemEvents.DeadLetterRecorded(
                                    letter.subscriber(),
                                    letter.letterId(),
                                    letter.eventId(),
                                    letter.eventType(),
                                    letter.reason(),
                                    letter.deadLetteredAt()));
        }
    }
}
