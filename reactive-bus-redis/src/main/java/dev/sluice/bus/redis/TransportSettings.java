package dev.sluice.bus.redis;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.policy.Durations;
import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * The settings of a {@link RedisStreamTransport}, each with a default ({@code RedisStreamTransport.DEFAULT_*}), and
 * their setters, which {@link RedisStreamTransport.Builder} offers as its own (this class is not API). Setters validate
 * at once and name the bad value; settings that conflict fail in {@code build()}. Not thread-safe.
 */
abstract class TransportSettings {

    String keyPrefix = RedisStreamTransport.DEFAULT_KEY_PREFIX;

    @Nullable
    String instanceId;

    Duration commandTimeout = RedisStreamTransport.DEFAULT_COMMAND_TIMEOUT;
    int requestQueueSize = RedisStreamTransport.DEFAULT_REQUEST_QUEUE_SIZE;
    Duration publishTimeout = RedisStreamTransport.DEFAULT_PUBLISH_TIMEOUT;
    Duration firstBackoff = RedisStreamTransport.DEFAULT_FIRST_BACKOFF;
    Duration maxBackoff = RedisStreamTransport.DEFAULT_MAX_BACKOFF;
    int appendConcurrency = RedisStreamTransport.DEFAULT_APPEND_CONCURRENCY;
    Duration leaseTtl = RedisStreamTransport.DEFAULT_LEASE_TTL;
    Duration heartbeat = RedisStreamTransport.DEFAULT_HEARTBEAT;
    Duration safetyMargin = RedisStreamTransport.DEFAULT_SAFETY_MARGIN;
    Duration block = RedisStreamTransport.DEFAULT_BLOCK;
    long maxLag = RedisStreamTransport.DEFAULT_MAX_LAG;
    Duration maxPendingAge = RedisStreamTransport.DEFAULT_MAX_PENDING_AGE;
    Duration retentionInterval = RedisStreamTransport.DEFAULT_RETENTION_INTERVAL;
    long maxLength = RedisStreamTransport.DEFAULT_MAX_LENGTH;

    @Nullable
    ObjectMapper objectMapper;

    Scheduler timers = Schedulers.parallel();

    TransportSettings() {}

    /**
     * Set the prefix of every key (default {@value RedisStreamTransport#DEFAULT_KEY_PREFIX}, as the dead-letter
     * store's): streams are {@code <prefix>:ev:{<type>:<partition>}}.
     *
     * @throws IllegalArgumentException if {@code keyPrefix} is empty or contains a brace (it would break the hash tag)
     */
    public RedisStreamTransport.Builder keyPrefix(String keyPrefix) {
        Objects.requireNonNull(keyPrefix, "keyPrefix");
        if (keyPrefix.isEmpty() || keyPrefix.indexOf('{') >= 0 || keyPrefix.indexOf('}') >= 0) {
            throw new IllegalArgumentException(
                    "keyPrefix must be non-empty and without braces, but was '" + keyPrefix + "'");
        }
        this.keyPrefix = keyPrefix;
        return self();
    }

    /**
     * Set this instance's id: its consumer name in every group, unique among live instances (default {@code
     * <host>-<pid>-<random>}, new at every start). A transport refuses to start while another live instance holds the
     * same id.
     *
     * @throws IllegalArgumentException if {@code instanceId} is empty or contains a brace, a colon or whitespace
     */
    public RedisStreamTransport.Builder instanceId(String instanceId) {
        Objects.requireNonNull(instanceId, "instanceId");
        if (instanceId.isEmpty() || !instanceId.chars().allMatch(TransportSettings::idChar)) {
            throw new IllegalArgumentException("instanceId must be non-empty, without braces, colons or whitespace, "
                    + "but was '" + instanceId + "'");
        }
        this.instanceId = instanceId;
        return self();
    }

    /**
     * Set how long Redis has to answer one command (default 1 s, {@link
     * RedisStreamTransport#DEFAULT_COMMAND_TIMEOUT}); also the connect timeout. A blocking read gets {@link #block}
     * on top.
     *
     * @throws IllegalArgumentException if not positive
     */
    public RedisStreamTransport.Builder commandTimeout(Duration commandTimeout) {
        this.commandTimeout = Durations.requirePositive("commandTimeout", commandTimeout);
        return self();
    }

    /**
     * Set the bound of Lettuce's request queue per connection (default {@value
     * RedisStreamTransport#DEFAULT_REQUEST_QUEUE_SIZE} commands). At most half of it is taken by appends awaiting
     * replies; later appends wait in the transport, in order, within their publish timeout. An append that finds the
     * queue full all the same is retried.
     *
     * @throws IllegalArgumentException if less than 1
     */
    public RedisStreamTransport.Builder requestQueueSize(int requestQueueSize) {
        if (requestQueueSize < 1) {
            throw new IllegalArgumentException("requestQueueSize must be >= 1, but was " + requestQueueSize);
        }
        this.requestQueueSize = requestQueueSize;
        return self();
    }

    /**
     * Set how long one append may take, retries included, before it fails with {@code PublishFailedException} (default
     * 5 s, {@link RedisStreamTransport#DEFAULT_PUBLISH_TIMEOUT}); counted from the append's subscription, time spent
     * held behind an earlier retried append of its partition included.
     *
     * @throws IllegalArgumentException if not positive
     */
    public RedisStreamTransport.Builder publishTimeout(Duration publishTimeout) {
        this.publishTimeout = Durations.requirePositive("publishTimeout", publishTimeout);
        return self();
    }

    /**
     * Set the backoff between attempts of one append: {@code first}, doubling up to {@code max} (defaults 50 ms and
     * 1 s).
     *
     * @throws IllegalArgumentException if either is not positive or {@code max} is less than {@code first}
     */
    public RedisStreamTransport.Builder publishBackoff(Duration first, Duration max) {
        Durations.requirePositive("first", first);
        Durations.requirePositive("max", max);
        if (max.compareTo(first) < 0) {
            throw new IllegalArgumentException("max backoff must be >= first (" + first + "), but was " + max);
        }
        this.firstBackoff = first;
        this.maxBackoff = max;
        return self();
    }

    /**
     * Set how many appends of one {@code appendAll} are in flight at once (default {@value
     * RedisStreamTransport#DEFAULT_APPEND_CONCURRENCY}); it requests events no faster than they complete.
     *
     * @throws IllegalArgumentException if less than 1
     */
    public RedisStreamTransport.Builder appendConcurrency(int appendConcurrency) {
        if (appendConcurrency < 1) {
            throw new IllegalArgumentException("appendConcurrency must be >= 1, but was " + appendConcurrency);
        }
        this.appendConcurrency = appendConcurrency;
        return self();
    }

    /**
     * Set how long a partition lease, the group membership and the instance lease live without renewal (default 10 s,
     * {@link RedisStreamTransport#DEFAULT_LEASE_TTL}); a dead instance's partitions move after it (plus the
     * subscriber's worst-case attempt).
     *
     * @throws IllegalArgumentException if not positive
     */
    public RedisStreamTransport.Builder leaseTtl(Duration leaseTtl) {
        this.leaseTtl = Durations.requirePositive("leaseTtl", leaseTtl);
        return self();
    }

    /**
     * Set how often leases and memberships are renewed (default 2 s); at most half the lease TTL.
     *
     * @throws IllegalArgumentException if not positive
     */
    public RedisStreamTransport.Builder heartbeat(Duration heartbeat) {
        this.heartbeat = Durations.requirePositive("heartbeat", heartbeat);
        return self();
    }

    /**
     * Set how long before its local expiry a partition lease counts as lost for starting handlers (default 1 s); less
     * than the lease TTL.
     *
     * @throws IllegalArgumentException if not positive
     */
    public RedisStreamTransport.Builder safetyMargin(Duration safetyMargin) {
        this.safetyMargin = Durations.requirePositive("safetyMargin", safetyMargin);
        return self();
    }

    /**
     * Set the {@code BLOCK} time of one consumer read (default 1 s); the read's command timeout is this plus the
     * command timeout.
     *
     * @throws IllegalArgumentException if not positive
     */
    public RedisStreamTransport.Builder block(Duration block) {
        this.block = Durations.requirePositive("block", block);
        return self();
    }

    /**
     * Set the undelivered entries of a group above which its consumers report {@code DEGRADED} (default {@value
     * RedisStreamTransport#DEFAULT_MAX_LAG}).
     *
     * @throws IllegalArgumentException if less than 1
     */
    public RedisStreamTransport.Builder maxLag(long maxLag) {
        if (maxLag < 1) {
            throw new IllegalArgumentException("maxLag must be >= 1, but was " + maxLag);
        }
        this.maxLag = maxLag;
        return self();
    }

    /**
     * Set the age of a group's oldest pending entry above which its consumers report {@code DEGRADED} (default 1 min).
     *
     * @throws IllegalArgumentException if not positive
     */
    public RedisStreamTransport.Builder maxPendingAge(Duration maxPendingAge) {
        this.maxPendingAge = Durations.requirePositive("maxPendingAge", maxPendingAge);
        return self();
    }

    /**
     * Set the time between retention runs, each trimming every partition of every declared type (default 10 s).
     *
     * @throws IllegalArgumentException if not positive
     */
    public RedisStreamTransport.Builder retentionInterval(Duration retentionInterval) {
        this.retentionInterval = Durations.requirePositive("retentionInterval", retentionInterval);
        return self();
    }

    /**
     * Set the most entries one partition stream keeps (default 0: no limit, only entries every group acknowledged are
     * trimmed). Opt-in: beyond it the oldest entries are trimmed even if a group has not handled them, and each such
     * entry is counted per group ({@code trimmed-unhandled:<group>} in the audit, {@code
     * sluice.durable.trimmed.unhandled}, a warning in the log), never silently.
     *
     * @throws IllegalArgumentException if negative
     */
    public RedisStreamTransport.Builder maxLength(long maxLength) {
        if (maxLength < 0) {
            throw new IllegalArgumentException("maxLength must be >= 0 (0: no limit), but was " + maxLength);
        }
        this.maxLength = maxLength;
        return self();
    }

    /**
     * Set the Jackson mapper of payloads and headers (default: {@code java.time} support as ISO-8601 text, unknown
     * properties ignored). Never enable polymorphic default typing on it: entries are data from outside the process.
     * Keep unknown properties ignored, so that entries written by a newer payload class still read during a rolling
     * upgrade.
     */
    public RedisStreamTransport.Builder objectMapper(ObjectMapper objectMapper) {
        this.objectMapper = Objects.requireNonNull(objectMapper, "objectMapper");
        return self();
    }

    /**
     * Set the scheduler of the transport's timers: heartbeats, append retries, retention (default {@code
     * Schedulers.parallel()}).
     */
    public RedisStreamTransport.Builder timers(Scheduler timers) {
        this.timers = Objects.requireNonNull(timers, "timers");
        return self();
    }

    /** Check the settings that depend on each other; called by {@code build()}. */
    void check() {
        if (heartbeat.multipliedBy(2).compareTo(leaseTtl) > 0) {
            throw new IllegalStateException("heartbeat (" + heartbeat + ") must be at most half of leaseTtl ("
                    + leaseTtl + "), so that one late renewal does not lose a lease");
        }
        if (safetyMargin.compareTo(leaseTtl) >= 0) {
            throw new IllegalStateException(
                    "safetyMargin (" + safetyMargin + ") must be less than leaseTtl (" + leaseTtl + ")");
        }
    }

    /** Return the consumer-side settings. */
    StreamContext.Settings consumerSettings() {
        return new StreamContext.Settings(leaseTtl, heartbeat, safetyMargin, block, maxLag, maxPendingAge);
    }

    /** Return the builder itself, for the setters' chaining. */
    abstract RedisStreamTransport.Builder self();

    private static boolean idChar(int c) {
        return c != '{' && c != '}' && c != ':' && !Character.isWhitespace(c);
    }
}
