package dev.sluice.bus.redis;

import dev.sluice.bus.DeadLetter;
import dev.sluice.policy.Durations;
import io.lettuce.core.ScriptOutputType;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Changes to letters already in Redis, each one script: what redrive does with a letter (replace it after a failure,
 * park it, delete it after success), the leases that let one instance at a time redrive it ({@code claim}, {@code
 * claimDue}), and purging a subscriber. Not journaled: a failure is signalled and Redis keeps the old state.
 * Thread-safe; every method is lazy.
 */
final class LetterChanges {

    private final RedisConnection redis;
    private final Subscribers subscribers;
    private final LetterCodec codec;
    private final LongAdder trimmed;
    private final String maxLength;

    LetterChanges(
            RedisConnection redis, Subscribers subscribers, LetterCodec codec, LongAdder trimmed, long maxLength) {
        this.redis = redis;
        this.subscribers = subscribers;
        this.codec = codec;
        this.trimmed = trimmed;
        this.maxLength = Long.toString(maxLength);
    }

    /** See {@link RedisDeadLetterStore#replace}. */
    Mono<Void> replace(DeadLetter letter, @Nullable Instant redriveAt) {
        return change(Scripts.REPLACE, letter, redriveAt);
    }

    /** See {@link RedisDeadLetterStore#park}. */
    Mono<Void> park(DeadLetter letter) {
        return change(Scripts.PARK, letter, null);
    }

    /** See {@link RedisDeadLetterStore#claim}; the arguments are checked at once. */
    Mono<DeadLetter> claim(String subscriber, String letterId, Instant now, Duration lease) {
        long at = now.toEpochMilli();
        long until = at + positive(lease);
        return Mono.defer(() -> {
            Keys keys = subscribers.keys(subscriber);
            return redis.commands().flatMap(commands -> Scripts.CLAIM
                    .<List<?>>run(
                            commands,
                            ScriptOutputType.MULTI,
                            new String[] {keys.live(), keys.parked(), keys.ids(), keys.leases()},
                            letterId,
                            Long.toString(at),
                            Long.toString(until))
                    .next()
                    .filter(fields -> !fields.isEmpty())
                    .map(codec::decode));
        });
    }

    /** See {@link RedisDeadLetterStore#claimDue}; the arguments are checked at once. */
    Flux<DeadLetter> claimDue(String subscriber, Instant now, Duration lease, int limit) {
        long at = now.toEpochMilli();
        long until = at + positive(lease);
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be >= 1, but was " + limit);
        }
        return Flux.defer(() -> {
            Keys keys = subscribers.keys(subscriber);
            return redis.commands().flatMapMany(commands -> Scripts.CLAIM_DUE
                    .<List<List<?>>>run(
                            commands,
                            ScriptOutputType.MULTI,
                            new String[] {keys.live(), keys.ids(), keys.due(), keys.leases()},
                            Long.toString(at),
                            Long.toString(until),
                            Integer.toString(limit))
                    .flatMapIterable(letters -> letters)
                    .map(codec::decode));
        });
    }

    /** See {@link RedisDeadLetterStore#delete}. */
    Mono<Boolean> delete(String subscriber, String letterId) {
        return Mono.defer(() -> {
            Keys keys = subscribers.keys(subscriber);
            return redis.commands().flatMap(commands -> Scripts.DELETE
                    .<Long>run(commands, ScriptOutputType.INTEGER, allKeys(keys), letterId)
                    .next()
                    .map(deleted -> deleted == 1));
        });
    }

    /** See {@link RedisDeadLetterStore#purge}. */
    Mono<Long> purge(String subscriber) {
        return Mono.defer(() -> {
            Keys keys = subscribers.keys(subscriber);
            return redis.commands().flatMap(commands -> Scripts.PURGE
                    .<Long>run(commands, ScriptOutputType.INTEGER, allKeys(keys))
                    .next());
        });
    }

    private Mono<Void> change(Scripts script, DeadLetter letter, @Nullable Instant redriveAt) {
        return Mono.defer(() -> {
            Keys keys = subscribers.meet(letter.subscriber()).keys;
            String[] args = changeArgs(
                    letter.letterId(), redriveAt == null ? null : redriveAt.toEpochMilli(), codec.encode(letter));
            return redis.commands()
                    .flatMap(commands -> script.<Long>run(commands, ScriptOutputType.INTEGER, allKeys(keys), args)
                            .next())
                    .flatMap(result -> {
                        if (result < 0) {
                            return Mono.error(new NoSuchElementException(
                                    "no dead letter " + letter.letterId() + " for subscriber " + letter.subscriber()));
                        }
                        trimmed.add(result);
                        return Mono.empty();
                    });
        });
    }

    private String[] changeArgs(String letterId, @Nullable Long dueMillis, String[] fields) {
        String[] args = new String[3 + fields.length];
        args[0] = letterId;
        args[1] = dueMillis == null ? "" : Long.toString(dueMillis);
        args[2] = maxLength;
        System.arraycopy(fields, 0, args, 3, fields.length);
        return args;
    }

    private static String[] allKeys(Keys keys) {
        return new String[] {keys.live(), keys.parked(), keys.ids(), keys.due(), keys.leases()};
    }

    /** Return the lease in milliseconds, at least 1 (a sub-millisecond lease still holds for the shortest time). */
    private static long positive(Duration lease) {
        long millis = Durations.requirePositive("lease", lease).toMillis();
        return millis == 0 ? 1 : millis;
    }
}
