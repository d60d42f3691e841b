package dev.sluice.bus;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What redriving one dead letter did. Redrives are counted apart from the bus's accounting (docs/DESIGN.md promise 1):
 * they never change a subscriber's {@link SubscriberStats}.
 *
 * @param subscriber the subscriber whose chain ran
 * @param letterId the letter's id
 * @param eventId the event's id
 * @param status what happened
 * @param redriveCount the letter's redrive count after this redrive (unchanged if it was not run)
 * @param reason the new reason when the letter stays ({@code FAILED} or {@code PARKED}), else null
 * @param error the new error's message, or why it was skipped, or null
 */
public record RedriveResult(
        String subscriber,
        String letterId,
        String eventId,
        Status status,
        int redriveCount,
        @Nullable DeadLetterReason reason,
        @Nullable String error) {

    /** Validate. */
    public RedriveResult {
        Objects.requireNonNull(subscriber, "subscriber");
        Objects.requireNonNull(letterId, "letterId");
        Objects.requireNonNull(eventId, "eventId");
        Objects.requireNonNull(status, "status");
    }

    /** What redriving a letter did. */
    public enum Status {
        /** The handler succeeded; the letter was deleted. */
        DELIVERED,
        /** The handler failed and the subscriber's fallback recovered; the letter was deleted. */
        RECOVERED,
        /** It failed again; the letter was replaced (same id, {@code redriveCount + 1}, the new error). */
        FAILED,
        /**
         * It failed after the last scheduled delay, or the payload no longer deserializes ({@code
         * DESERIALIZATION_FAILED}): the letter was parked.
         */
        PARKED,
        /** Not run: another instance holds the letter's lease, or the letter is gone. */
        SKIPPED,
        /**
         * The outcome could not be recorded (the store failed); the letter stays as it was and, being
         * at-least-once, will be redriven again.
         */
        STORE_FAILED
    }
}
