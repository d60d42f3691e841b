package dev.sluice.bus.redis;

import dev.sluice.bus.DeadLetter;
import dev.sluice.bus.DeadLetterQuery;
import dev.sluice.bus.DeadLetterStore;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.NoSuchElementException;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The letter operations of {@link RedisDeadLetterStore}, as its public methods (this class is not API: the store is its
 * only subclass, as {@code StringBuilder} is {@code AbstractStringBuilder}'s), so that the store's own file keeps to
 * building, metering and closing it. Each operation checks its arguments at once and hands the work to the part whose
 * job it is: {@link LetterWriter} writes, {@link LetterQueries} reads, {@link LetterChanges} changes and leases letters
 * already stored, {@link LetterCodec} decodes payloads. Thread-safe; every {@code Mono} and {@code Flux} is lazy.
 */
abstract class StoreOperations implements DeadLetterStore {

    private final LetterWriter writer;
    private final LetterQueries queries;
    private final LetterChanges changes;
    private final LetterCodec codec;

    StoreOperations(LetterWriter writer, LetterQueries queries, LetterChanges changes, LetterCodec codec) {
        this.writer = writer;
        this.queries = queries;
        this.changes = changes;
        this.codec = codec;
    }

    /**
     * Write {@code letter} as a live letter, due for scheduled redrive at {@code redriveAt} (null: not scheduled),
     * unless the subscriber already has a letter with its id (then nothing changes). With a {@link
     * RedisDeadLetterStore.Builder#maxLength}, the subscriber's oldest live letters beyond it are deleted and counted
     * in {@code sluice.dead.letters.trimmed}.
     *
     * @return a {@code Mono} that completes when Redis acknowledged the letter or, if Redis did not within the command
     *     timeout, when the journal fsynced it; it signals {@link UncheckedIOException} (naming both failures) if the
     *     journal failed too, and {@link IllegalStateException} if the store is closed
     * @throws NullPointerException if {@code letter} is null
     */
    @Override
    public Mono<Void> write(DeadLetter letter, @Nullable Instant redriveAt) {
        Objects.requireNonNull(letter, "letter");
        return writer.write(letter, redriveAt == null ? null : redriveAt.toEpochMilli());
    }

    /**
     * Write {@code letter} as {@link #write} does, but to Redis only: never to the local journal (docs/DESIGN.md,
     * "Durable types"). The bus writes the letters of durable entries this way and acknowledges the entry once it
     * completes; a journaled letter would die with this machine while the entry was already gone from every other
     * instance's view. While Redis does not answer, the write signals the error and the entry stays pending.
     *
     * @return a {@code Mono} that completes when Redis acknowledged the letter (or already had its id); signals
     *     Lettuce's {@code RedisException} if Redis did not within the command timeout, {@link IllegalStateException}
     *     if the store is closed
     * @throws NullPointerException if {@code letter} is null
     */
    @Override
    public Mono<Void> writeToStore(DeadLetter letter, @Nullable Instant redriveAt) {
        Objects.requireNonNull(letter, "letter");
        return writer.writeToStore(letter, redriveAt == null ? null : redriveAt.toEpochMilli());
    }

    /**
     * Read one letter, live or parked.
     *
     * @return a {@code Mono} of the letter (payload a {@link JsonPayload}), empty if the subscriber has none with that
     *     id; signals Lettuce's {@code RedisException} if Redis fails, {@link IllegalArgumentException} if the entry is
     *     malformed
     * @throws NullPointerException if an argument is null
     */
    @Override
    public Mono<DeadLetter> get(String subscriber, String letterId) {
        Objects.requireNonNull(subscriber, "subscriber");
        Objects.requireNonNull(letterId, "letterId");
        return queries.get(subscriber, letterId);
    }

    /**
     * List the letters matching {@code query}, reading the subscriber's live (or parked) stream in pages of 200
     * entries with {@code XRANGE} / {@code XREVRANGE} and filtering them here; the time range applies to {@code
     * dead_lettered_at}.
     *
     * @return a {@code Flux} of at most {@code query.limit()} letters after the first {@code query.offset()} matches,
     *     oldest or newest written first; completes after the last match; signals Lettuce's {@code RedisException} if
     *     Redis fails, {@link IllegalArgumentException} if an entry is malformed. Letters written or deleted while it is
     *     read may or may not appear.
     * @throws NullPointerException if {@code query} is null
     */
    @Override
    public Flux<DeadLetter> list(DeadLetterQuery query) {
        Objects.requireNonNull(query, "query");
        return queries.list(query);
    }

    /**
     * Count the letters matching {@code query}: {@code XLEN} when it filters on nothing but the subscriber and side,
     * else a scan as {@link #list} does.
     *
     * @return a {@code Mono} of the count; signals Lettuce's {@code RedisException} if Redis fails
     * @throws NullPointerException if {@code query} is null
     */
    @Override
    public Mono<Long> count(DeadLetterQuery query) {
        Objects.requireNonNull(query, "query");
        return queries.count(query);
    }

    /**
     * Replace the letter with {@code letter}'s id by {@code letter} in the same stream (it moves to the newest end), in
     * one script: a live letter is due again at {@code redriveAt} (null: not scheduled), a parked one stays parked.
     * Releases its lease. Not journaled: if Redis fails, the error is signalled and the old letter stays.
     *
     * @return a {@code Mono} that completes when Redis applied it, or signals {@link NoSuchElementException} naming
     *     the id if there is no such letter, or Lettuce's {@code RedisException} if Redis fails
     * @throws NullPointerException if {@code letter} is null
     */
    @Override
    public Mono<Void> replace(DeadLetter letter, @Nullable Instant redriveAt) {
        Objects.requireNonNull(letter, "letter");
        return changes.replace(letter, redriveAt);
    }

    /**
     * Replace the letter with {@code letter}'s id by {@code letter} and move it to the parked stream, in one script;
     * clears its due time and lease. With a {@link RedisDeadLetterStore.Builder#maxLength}, the oldest parked letters
     * beyond it are deleted and counted.
     *
     * @return a {@code Mono} that completes when Redis applied it, or signals {@link NoSuchElementException} naming
     *     the id if there is no such letter, or Lettuce's {@code RedisException} if Redis fails
     * @throws NullPointerException if {@code letter} is null
     */
    @Override
    public Mono<Void> park(DeadLetter letter) {
        Objects.requireNonNull(letter, "letter");
        return changes.park(letter);
    }

    /**
     * Lease one letter, live or parked, until {@code now + lease}, if no other lease on it runs (one that ends after
     * {@code now}). Its due time does not change.
     *
     * @return a {@code Mono} of the letter if leased now; empty if there is no such letter or another lease holds it;
     *     signals Lettuce's {@code RedisException} if Redis fails
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if {@code lease} is not positive
     */
    @Override
    public Mono<DeadLetter> claim(String subscriber, String letterId, Instant now, Duration lease) {
        Objects.requireNonNull(subscriber, "subscriber");
        Objects.requireNonNull(letterId, "letterId");
        Objects.requireNonNull(now, "now");
        return changes.claim(subscriber, letterId, now, lease);
    }

    /**
     * Lease up to {@code limit} live letters due at or before {@code now} that no running lease holds, earliest due
     * first, in one script; each one's due time moves to its lease end ({@code now + lease}), so if this instance
     * dies the letter is due again then.
     *
     * @return a {@code Flux} of the claimed letters, earliest due first; signals Lettuce's {@code RedisException} if
     *     Redis fails
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if {@code lease} is not positive or {@code limit} is less than 1
     */
    @Override
    public Flux<DeadLetter> claimDue(String subscriber, Instant now, Duration lease, int limit) {
        Objects.requireNonNull(subscriber, "subscriber");
        Objects.requireNonNull(now, "now");
        return changes.claimDue(subscriber, now, lease, limit);
    }

    /**
     * Delete one letter, live or parked, with its due time and lease, in one script.
     *
     * @return a {@code Mono} of whether a letter was deleted; signals Lettuce's {@code RedisException} if Redis fails
     * @throws NullPointerException if an argument is null
     */
    @Override
    public Mono<Boolean> delete(String subscriber, String letterId) {
        Objects.requireNonNull(subscriber, "subscriber");
        Objects.requireNonNull(letterId, "letterId");
        return changes.delete(subscriber, letterId);
    }

    /**
     * Delete every letter of {@code subscriber}, live and parked, with its index, due times and leases, in one script.
     * Letters still in this store's journal are not affected (they are written when replayed).
     *
     * @return a {@code Mono} of how many letters were deleted; signals Lettuce's {@code RedisException} if Redis fails
     * @throws NullPointerException if {@code subscriber} is null
     */
    @Override
    public Mono<Long> purge(String subscriber) {
        Objects.requireNonNull(subscriber, "subscriber");
        return changes.purge(subscriber);
    }

    /**
     * Return {@code letter}'s payload as a {@code type}: a payload that already is one as it is, a {@link JsonPayload}
     * (a letter read from Redis) read with the store's {@code ObjectMapper}. Runs on the calling thread.
     *
     * @throws IllegalArgumentException saying why if the payload cannot be turned into a {@code type}: malformed JSON,
     *     JSON of another shape, a payload truncated to {@link RedisDeadLetterStore.Builder#maxPayloadBytes}, or a
     *     payload that was stored as {@code SERIALIZATION_FAILED}
     */
    @Override
    public <T> T decodePayload(DeadLetter letter, Class<T> type) {
        Objects.requireNonNull(letter, "letter");
        Objects.requireNonNull(type, "type");
        return codec.decodePayload(letter, type);
    }
}
