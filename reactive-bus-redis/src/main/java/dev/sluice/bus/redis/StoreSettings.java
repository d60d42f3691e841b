package dev.sluice.bus.redis;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.policy.Durations;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;

/**
 * The settings of a {@link RedisDeadLetterStore}, each with a default, and their setters, which {@link
 * RedisDeadLetterStore.Builder} offers as its own (this class is not API). Setters validate at once and name the bad
 * value. Not thread-safe.
 */
abstract class StoreSettings {

    String keyPrefix = RedisDeadLetterStore.DEFAULT_KEY_PREFIX;
    Duration commandTimeout = RedisDeadLetterStore.DEFAULT_COMMAND_TIMEOUT;
    int requestQueueSize = RedisDeadLetterStore.DEFAULT_REQUEST_QUEUE_SIZE;
    Path journalPath = RedisDeadLetterStore.DEFAULT_JOURNAL_PATH;
    Duration replayInterval = RedisDeadLetterStore.DEFAULT_REPLAY_INTERVAL;
    int maxPayloadBytes = RedisDeadLetterStore.DEFAULT_MAX_PAYLOAD_BYTES;
    int maxStackTraceBytes = RedisDeadLetterStore.DEFAULT_MAX_STACK_TRACE_BYTES;
    long maxLength = RedisDeadLetterStore.DEFAULT_MAX_LENGTH;
    ObjectMapper objectMapper = DefaultMapper.create();
    Clock clock = Clock.systemUTC();

    /**
     * Set the prefix of every key (default {@value RedisDeadLetterStore#DEFAULT_KEY_PREFIX}): keys are {@code
     * <prefix>:dlq:{<subscriber>}…}.
     *
     * @throws IllegalArgumentException if {@code keyPrefix} is empty or contains a brace (it would break the
     *     Cluster hash tag)
     */
    public RedisDeadLetterStore.Builder keyPrefix(String keyPrefix) {
        Objects.requireNonNull(keyPrefix, "keyPrefix");
        if (keyPrefix.isEmpty() || keyPrefix.indexOf('{') >= 0 || keyPrefix.indexOf('}') >= 0) {
            throw new IllegalArgumentException(
                    "keyPrefix must be non-empty and without braces, but was '" + keyPrefix + "'");
        }
        this.keyPrefix = keyPrefix;
        return self();
    }

    /**
     * Set how long Redis has to answer a command (default 1 s, {@link RedisDeadLetterStore#DEFAULT_COMMAND_TIMEOUT});
     * a write not acknowledged in time goes to the journal. Also the connect timeout.
     *
     * @throws IllegalArgumentException if not positive
     */
    public RedisDeadLetterStore.Builder commandTimeout(Duration commandTimeout) {
        this.commandTimeout = Durations.requirePositive("commandTimeout", commandTimeout);
        return self();
    }

    /**
     * Set the bound of Lettuce's request queue (default {@value RedisDeadLetterStore#DEFAULT_REQUEST_QUEUE_SIZE}
     * commands); a write that finds it full goes to the journal.
     *
     * @throws IllegalArgumentException if less than 1
     */
    public RedisDeadLetterStore.Builder requestQueueSize(int requestQueueSize) {
        if (requestQueueSize < 1) {
            throw new IllegalArgumentException("requestQueueSize must be >= 1, but was " + requestQueueSize);
        }
        this.requestQueueSize = requestQueueSize;
        return self();
    }

    /**
     * Set the journal file (default {@code sluice-dead-letters.journal} in the working directory). Files being
     * replayed sit beside it as {@code <name>.<n>.replay}. Its directory is created when needed. One store per
     * path: a store started on a path replays what an earlier store left there.
     */
    public RedisDeadLetterStore.Builder journalPath(Path journalPath) {
        Objects.requireNonNull(journalPath, "journalPath");
        if (journalPath.getFileName() == null) {
            throw new IllegalArgumentException("journalPath must name a file, but was " + journalPath);
        }
        this.journalPath = journalPath;
        return self();
    }

    /**
     * Set the time between journal replays and samples of {@code sluice.dead.letters.stored} (default 1 s).
     *
     * @throws IllegalArgumentException if not positive
     */
    public RedisDeadLetterStore.Builder replayInterval(Duration replayInterval) {
        this.replayInterval = Durations.requirePositive("replayInterval", replayInterval);
        return self();
    }

    /**
     * Set the payload limit in UTF-8 bytes of JSON (default 64 KiB); a longer payload is cut and marked, and can
     * then no longer be redriven.
     *
     * @throws IllegalArgumentException if less than 64
     */
    public RedisDeadLetterStore.Builder maxPayloadBytes(int maxPayloadBytes) {
        if (maxPayloadBytes < 64) {
            throw new IllegalArgumentException("maxPayloadBytes must be >= 64, but was " + maxPayloadBytes);
        }
        this.maxPayloadBytes = maxPayloadBytes;
        return self();
    }

    /**
     * Set the limit of a stack trace, and of an error message, in UTF-8 bytes (default 8 KiB); longer ones are cut
     * and marked.
     *
     * @throws IllegalArgumentException if less than 64
     */
    public RedisDeadLetterStore.Builder maxStackTraceBytes(int maxStackTraceBytes) {
        if (maxStackTraceBytes < 64) {
            throw new IllegalArgumentException("maxStackTraceBytes must be >= 64, but was " + maxStackTraceBytes);
        }
        this.maxStackTraceBytes = maxStackTraceBytes;
        return self();
    }

    /**
     * Set the most letters a subscriber's live stream, and its parked stream, keeps (default 0: no limit). Opt-in:
     * when a write goes beyond it, the oldest letters are deleted exactly (with their due times and leases) and
     * counted in {@code sluice.dead.letters.trimmed}.
     *
     * @throws IllegalArgumentException if negative
     */
    public RedisDeadLetterStore.Builder maxLength(long maxLength) {
        if (maxLength < 0) {
            throw new IllegalArgumentException("maxLength must be >= 0 (0: no limit), but was " + maxLength);
        }
        this.maxLength = maxLength;
        return self();
    }

    /**
     * Set the Jackson mapper for payloads and headers (default: the transport's default, with {@code java.time} as
     * ISO-8601 text, unknown properties ignored and no default typing). Do not enable polymorphic default typing on it: letters are data from outside the process, and a mapper that instantiates
     * classes named in the JSON turns them into a gadget-chain risk. Configure it before {@link
     * RedisDeadLetterStore.Builder#build()}: the store takes its writers from it then, as Jackson recommends (a
     * mapper's configuration is not meant to change once in use).
     */
    public RedisDeadLetterStore.Builder objectMapper(ObjectMapper objectMapper) {
        this.objectMapper = Objects.requireNonNull(objectMapper, "objectMapper");
        return self();
    }

    /**
     * Set the clock for the store's own timestamps (when an outage began, in {@link RedisDeadLetterStore#health()});
     * default UTC.
     */
    public RedisDeadLetterStore.Builder clock(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
        return self();
    }

    StoreSettings() {}

    /** Return the builder itself, for the setters' chaining. */
    abstract RedisDeadLetterStore.Builder self();
}
