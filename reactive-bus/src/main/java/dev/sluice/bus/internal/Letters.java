package dev.sluice.bus.internal;

import dev.sluice.bus.DeadLetter;
import dev.sluice.bus.DeadLetterReason;
import dev.sluice.bus.Event;
import dev.sluice.bus.spi.Undecodable;
import dev.sluice.policy.DeadlineExceededException;
import dev.sluice.policy.ErrorClass;
import dev.sluice.policy.ErrorClassifier;
import dev.sluice.policy.Failure;
import dev.sluice.policy.RetriesExhaustedException;
import io.github.resilience4j.bulkhead.BulkheadFullException;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.ratelimiter.RequestNotPermitted;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/** Builds dead letters and decides their reason (docs/DESIGN.md, "Outcome reasons"). Runs only on failure. */
final class Letters {

    /** Stack traces are cut to about this many characters, with a visible marker. */
    public static final int MAX_STACK_TRACE = 8 * 1024;

    private Letters() {}

    /** Return the reason for a call that ended in {@code failure}, judged by {@code classifier}. */
    public static DeadLetterReason reasonOf(Failure failure, ErrorClassifier classifier) {
        Throwable signal = failure.signal();
        if (signal instanceof RetriesExhaustedException) {
            return DeadLetterReason.RETRIES_EXHAUSTED;
        }
        if (signal instanceof DeadlineExceededException) {
            return DeadLetterReason.DEADLINE_EXCEEDED;
        }
        if (signal instanceof CallNotPermittedException) {
            return DeadLetterReason.CIRCUIT_OPEN;
        }
        if (signal instanceof BulkheadFullException || signal instanceof RequestNotPermitted) {
            return DeadLetterReason.REJECTED;
        }
        return classifier.classify(signal) == ErrorClass.RETRYABLE
                ? DeadLetterReason.RETRIES_EXHAUSTED
                : DeadLetterReason.PERMANENT_ERROR;
    }

    /** Return a new letter for {@code event}, failed in {@code subscriber} at {@code now}. */
    public static DeadLetter of(
            Event<?> event,
            String subscriber,
            DeadLetterReason reason,
            @Nullable Throwable error,
            @Nullable Throwable cause,
            int attempts,
            Instant now,
            String instance) {
        return of(EventIds.next(now.toEpochMilli()), event, subscriber, reason, error, cause, attempts, now, instance);
    }

    /**
     * Return the letter id of a durable entry: a name-based UUID (RFC 4122 version 3, {@link
     * UUID#nameUUIDFromBytes}) of its type, partition, entry id and subscriber, so every delivery of the entry to
     * that subscriber letters under one id, and a crash between letter and acknowledgement leaves one letter, not two
     * (docs/DESIGN.md, "Durable types").
     */
    public static String durableLetterId(String type, int partition, String entryId, String subscriber) {
        String name = type + '\n' + partition + '\n' + entryId + '\n' + subscriber;
        return UUID.nameUUIDFromBytes(name.getBytes(StandardCharsets.UTF_8)).toString();
    }

    /**
     * Return the {@code DESERIALIZATION_FAILED} letter of a durable entry that could not be decoded: its payload is
     * the raw payload text as stored, its error the decoding failure.
     */
    public static DeadLetter undecodable(
            String letterId, Undecodable entry, String subscriber, Instant now, String instance) {
        Throwable error = entry.error();
        Throwable cause = error.getCause();
        return new DeadLetter(
                letterId,
                entry.eventId(),
                entry.eventType(),
                entry.key(),
                subscriber,
                entry.payload(),
                entry.headers(),
                entry.publishedAt(),
                now,
                now,
                DeadLetterReason.DESERIALIZATION_FAILED,
                error.getClass().getName(),
                error.getMessage(),
                cause == null ? null : cause.getClass().getName(),
                stackTrace(error),
                0,
                0,
                instance);
    }

    /** Return a new letter {@code letterId} for {@code event}, failed in {@code subscriber} at {@code now}. */
    public static DeadLetter of(
            String letterId,
            Event<?> event,
            String subscriber,
            DeadLetterReason reason,
            @Nullable Throwable error,
            @Nullable Throwable cause,
            int attempts,
            Instant now,
            String instance) {
        Throwable causeOf = cause != null ? cause : (error == null ? null : error.getCause());
        return new DeadLetter(
                letterId,
                event.id(),
                event.type().name(),
                event.key(),
                subscriber,
                event.payload(),
                event.headers(),
                event.publishedAt(),
                now,
                now,
                reason,
                error == null ? null : error.getClass().getName(),
                error == null ? null : error.getMessage(),
                causeOf == null ? null : causeOf.getClass().getName(),
                error == null ? null : stackTrace(error),
                attempts,
                0,
                instance);
    }

    /**
     * Return {@code letter} after one more failed redrive: same id, event and {@code deadLetteredAt}; the new reason,
     * error, attempts, {@code lastFailedAt = now}, {@code redriveCount + 1}, and this instance.
     */
    public static DeadLetter failedAgain(
            DeadLetter letter,
            DeadLetterReason reason,
            Throwable error,
            @Nullable Throwable cause,
            int attempts,
            Instant now,
            String instance) {
        Throwable causeOf = cause != null ? cause : error.getCause();
        return letter.withFailure(
                reason,
                error.getClass().getName(),
                error.getMessage(),
                causeOf == null ? null : causeOf.getClass().getName(),
                stackTrace(error),
                attempts,
                now,
                letter.redriveCount() + 1,
                instance);
    }

    static String stackTrace(Throwable error) {
        StringWriter text = new StringWriter();
        error.printStackTrace(new PrintWriter(text));
        String trace = text.toString();
        if (trace.length() <= MAX_STACK_TRACE) {
            return trace;
        }
        int cut = trace.length() - MAX_STACK_TRACE;
        return trace.substring(0, MAX_STACK_TRACE) + "…[truncated " + cut + " chars]";
    }
}
