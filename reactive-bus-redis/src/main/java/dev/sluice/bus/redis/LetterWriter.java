package dev.sluice.bus.redis;

import dev.sluice.bus.DeadLetter;
import io.lettuce.core.ScriptOutputType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;

/**
 * Writes letters with the idempotent write script ({@link Scripts#WRITE}), and a letter Redis does not acknowledge to
 * the journal; counts the writes in flight, write errors and letters trimmed by MAXLEN. Thread-safe.
 *
 * <p>{@link #write} is the store's hot path, so one letter costs one {@code Mono.create} and one lambda subscriber to
 * the script's reply rather than a chain of Reactor operators (docs/DESIGN.md, "pay on failure, not on success"): the
 * journal fallback is only assembled after Redis failed.
 */
final class LetterWriter {

    private final String store;
    private final RedisConnection redis;
    private final LetterCodec codec;
    private final Journal journal;
    private final Subscribers subscribers;
    private final RedisStatus status;
    private final String maxLength;
    private final AtomicLong inFlight = new AtomicLong();
    private final LongAdder writeErrors = new LongAdder();
    private final LongAdder trimmed = new LongAdder();
    private volatile boolean closed;

    LetterWriter(
            String store,
            RedisConnection redis,
            LetterCodec codec,
            Journal journal,
            Subscribers subscribers,
            RedisStatus status,
            long maxLength) {
        this.store = store;
        this.redis = redis;
        this.codec = codec;
        this.journal = journal;
        this.subscribers = subscribers;
        this.status = status;
        this.maxLength = Long.toString(maxLength);
    }

    /**
     * Write {@code letter}, due at {@code dueMillis} (null: not scheduled): see {@link RedisDeadLetterStore#write}.
     * The in-flight count drops before the {@code Mono} signals, so a caller who saw it complete never sees it pending.
     */
    Mono<Void> write(DeadLetter letter, @Nullable Long dueMillis) {
        return Mono.create(sink -> start(letter, dueMillis, sink));
    }

    /**
     * Write {@code letter} to Redis only, never to the journal (the durable types' letters: their entry is acknowledged
     * once this completes, so the letter must be where every instance sees it): completes when Redis acknowledged it,
     * else signals Redis's error (or {@link IllegalStateException} if the store is closed). Idempotent by letter id.
     */
    Mono<Void> writeToStore(DeadLetter letter, @Nullable Long dueMillis) {
        return Mono.defer(() -> {
            if (closed) {
                return Mono.error(new IllegalStateException(store + " is closed; letter " + letter.letterId()
                        + " of subscriber " + letter.subscriber() + " was not written"));
            }
            JournalRecord record = new JournalRecord(codec.encode(letter), dueMillis);
            String[] keys = subscribers.meet(letter.subscriber()).writeKeys;
            String[] args = scriptArgs(letter.letterId(), record);
            inFlight.incrementAndGet();
            return redis.commands()
                    .flatMap(commands -> Scripts.WRITE
                            .<Long>run(commands, ScriptOutputType.INTEGER, keys, args)
                            .next())
                    .doOnNext(this::acknowledged)
                    .doOnError(e -> writeErrors.increment())
                    .doFinally(signal -> inFlight.decrementAndGet())
                    .then();
        });
    }

    /** Write a journaled letter to Redis (replay): completes when Redis acknowledged it, else signals Redis's error. */
    Mono<Void> writeToRedis(JournalRecord record) {
        String[] keys = subscribers.meet(record.subscriber()).writeKeys;
        String[] args = scriptArgs(record.letterId(), record);
        return redis.commands()
                .flatMap(commands -> Scripts.WRITE
                        .<Long>run(commands, ScriptOutputType.INTEGER, keys, args)
                        .next())
                .doOnNext(this::acknowledged)
                .then();
    }

    /** Refuse writes from now on. */
    void close() {
        closed = true;
    }

    /** Return how many writes are in flight: accepted, neither acknowledged by Redis nor journaled yet. */
    long inFlight() {
        return inFlight.get();
    }

    /** Return the writes Redis did not acknowledge. */
    LongAdder writeErrors() {
        return writeErrors;
    }

    /** Return the letters MAXLEN deleted to make room. */
    LongAdder trimmed() {
        return trimmed;
    }

    private void start(DeadLetter letter, @Nullable Long dueMillis, MonoSink<Void> sink) {
        if (closed) {
            sink.error(new IllegalStateException(store + " is closed; letter " + letter.letterId() + " of subscriber "
                    + letter.subscriber() + " was not written"));
            return;
        }
        JournalRecord record = new JournalRecord(codec.encode(letter), dueMillis);
        String[] keys = subscribers.meet(letter.subscriber()).writeKeys;
        inFlight.incrementAndGet();
        Write write = new Write(record, sink);
        sink.onCancel(write);
        StoreCommands open = redis.ready();
        String[] args = scriptArgs(letter.letterId(), record);
        // once connected, skip the cached connect Mono
        Flux<Long> sent = open != null
                ? Scripts.WRITE.run(open, ScriptOutputType.INTEGER, keys, args)
                : redis.commands()
                        .flatMapMany(commands -> Scripts.WRITE.run(commands, ScriptOutputType.INTEGER, keys, args));
        write.follow(sent.subscribe(this::acknowledged, write::redisFailed, write::done));
    }

    private void acknowledged(Long result) {
        if (result > 0) {
            trimmed.add(result);
        }
        status.answered();
    }

    private String[] scriptArgs(String letterId, JournalRecord record) {
        String[] fields = record.fields();
        Long dueMillis = record.dueMillis();
        String[] args = new String[3 + fields.length];
        args[0] = letterId;
        args[1] = dueMillis == null ? "" : Long.toString(dueMillis);
        args[2] = maxLength;
        System.arraycopy(fields, 0, args, 3, fields.length);
        return args;
    }

    /**
     * One letter on its way to Redis, then to the journal if Redis failed. Settles the in-flight count exactly once,
     * before its terminal signal or on cancel (which may race with that signal).
     */
    private final class Write implements Disposable {

        private static final AtomicIntegerFieldUpdater<Write> SETTLED =
                AtomicIntegerFieldUpdater.newUpdater(Write.class, "settled");

        private final JournalRecord record;
        private final MonoSink<Void> sink;
        private volatile int settled;
        private volatile boolean cancelled;
        private volatile @Nullable Disposable upstream;

        Write(JournalRecord record, MonoSink<Void> sink) {
            this.record = record;
            this.sink = sink;
        }

        void follow(Disposable subscription) {
            upstream = subscription;
            if (cancelled) {
                subscription.dispose();
            }
        }

        void done() {
            settle();
            sink.success();
        }

        void redisFailed(Throwable redisError) {
            writeErrors.increment();
            status.unreachable(redisError);
            String line;
            try {
                line = record.toLine();
            } catch (RuntimeException e) {
                failed(e);
                return;
            }
            follow(journal.append(line)
                    .subscribe(null, journalError -> failed(refused(redisError, journalError)), this::done));
        }

        @Override
        public void dispose() {
            cancelled = true;
            settle();
            Disposable subscription = upstream;
            if (subscription != null) {
                subscription.dispose();
            }
        }

        @Override
        public boolean isDisposed() {
            return cancelled;
        }

        private void failed(Throwable error) {
            settle();
            sink.error(error);
        }

        private void settle() {
            if (SETTLED.compareAndSet(this, 0, 1)) {
                inFlight.decrementAndGet();
            }
        }

        private UncheckedIOException refused(Throwable redisError, Throwable journalError) {
            UncheckedIOException refused = new UncheckedIOException(
                    "dead letter " + record.letterId() + " of subscriber " + record.subscriber()
                            + " was refused: Redis did not acknowledge it (" + redisError + ") and the journal at "
                            + journal.path() + " failed (" + journalError.getMessage() + ")",
                    journalError instanceof IOException io ? io : new IOException(journalError));
            refused.addSuppressed(redisError);
            return refused;
        }
    }
}
