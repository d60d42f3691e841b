package dev.sluice.bus.redis;

import dev.sluice.bus.DeadLetter;
import dev.sluice.bus.DeadLetterReason;
import java.time.Instant;
import java.util.Map;

/** Letters with every field set, for the store's tests. */
final class TestLetters {

    static final Instant PUBLISHED = Instant.parse("2026-01-01T00:00:00Z");

    /** A payload type as an application would have. */
    record Order(String id, int quantity, String note) {}

    private TestLetters() {}

    static DeadLetter letter(String subscriber, String letterId) {
        return letter(subscriber, letterId, new Order("o-" + letterId, 3, "fragile"));
    }

    static DeadLetter letter(String subscriber, String letterId, Object payload) {
        return new DeadLetter(
                letterId,
                "event-" + letterId,
                "order.placed",
                "key-" + letterId,
                subscriber,
                payload,
                Map.of("trace-id", "t-" + letterId, "tenant", "acme"),
                PUBLISHED,
                PUBLISHED.plusSeconds(1),
                PUBLISHED.plusMillis(2_123),
                DeadLetterReason.RETRIES_EXHAUSTED,
                "java.io.IOException",
                "connection reset by peer",
                "java.net.SocketException",
                "java.io.IOException: connection reset by peer\n\tat dev.example.Handler.handle(Handler.java:42)",
                3,
                0,
                "instance-a");
    }

    /** Return {@code letter} with another type, reason and dead-lettering time. */
    static DeadLetter with(DeadLetter letter, String eventType, DeadLetterReason reason, Instant deadLetteredAt) {
        return new DeadLetter(
                letter.letterId(),
                letter.eventId(),
                eventType,
                letter.eventKey(),
                letter.subscriber(),
                letter.payload(),
                letter.headers(),
                letter.publishedAt(),
                deadLetteredAt,
                deadLetteredAt,
                reason,
                letter.errorClass(),
                letter.errorMessage(),
                letter.causeClass(),
                letter.stackTrace(),
                letter.attempts(),
                letter.redriveCount(),
                letter.instance());
    }

    /** Return {@code letter} after one more failed redrive with {@code error}. */
    static DeadLetter redriven(DeadLetter letter, String errorMessage) {
        return letter.withFailure(
                letter.reason(),
                "java.lang.IllegalStateException",
                errorMessage,
                null,
                null,
                1,
                letter.lastFailedAt().plusSeconds(60),
                letter.redriveCount() + 1,
                "instance-b");
    }
}
