package dev.sluice.spring;

import dev.sluice.bus.BreakerOpenPolicy;
import dev.sluice.bus.OverflowPolicy;
import dev.sluice.bus.StartPosition;
import dev.sluice.policy.Backoff;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.SlidingWindowType;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The {@code sluice.*} properties (docs/spring-boot.md lists every key with its default). Immutable; bound once at
 * startup. A value Boot cannot convert fails startup through Boot's own analyzer; a value Sluice rejects fails it
 * through {@link SluiceFailureAnalyzer}, naming the key and the value.
 *
 * <p>{@code sluice.durable.*} configures the Redis Streams transport of durable event types ({@code
 * RedisStreamTransport}; docs/durable-events.md); its defaults are the transport's {@code DEFAULT_*} constants.
 *
 * @param instanceId this instance's name in dead letters and in the journal's directory (default: {@code
 *     spring.application.name}, or {@code sluice}, then {@code -} and the host name)
 * @param policies {@code sluice.policies.<name>.*}: the policies {@code dev.sluice.policy.PolicyProperties} registers
 * @param subscribers {@code sluice.subscribers.<name>.*}: settings of the {@link SluiceListener} subscriber of that
 *     name; a name no listener has fails startup
 * @param deadLetters {@code sluice.dead-letters.*}: the dead-letter store
 * @param health {@code sluice.health.*}: how the health contributor reports an open breaker
 * @param lifecycle {@code sluice.lifecycle.*}: shutdown timing
 * @param durable {@code sluice.durable.*}: the transport of durable event types
 */
@ConfigurationProperties("sluice")
public record SluiceProperties(
        @Nullable String instanceId,
        @DefaultValue Map<String, Policy> policies,
        @DefaultValue Map<String, Subscriber> subscribers,
        @DefaultValue DeadLetters deadLetters,
        @DefaultValue Health health,
        @DefaultValue Lifecycle lifecycle,
        @DefaultValue Durable durable) {

    /** The prefix of every key. */
    public static final String PREFIX = "sluice";

    /**
     * One policy, {@code sluice.policies.<name>.*}: exactly the keys {@code PolicyProperties} reads. An absent part
     * (retry, circuit breaker, bulkhead, rate limiter) is not applied; an absent key keeps the library's default.
     *
     * @param timeout each attempt completes within this
     * @param deadline a total deadline per event across attempts
     * @param retry {@code retry.*}
     * @param hedge {@code hedge.*}
     * @param circuitBreaker {@code circuit-breaker.*}
     * @param bulkhead {@code bulkhead.*}
     * @param rateLimiter {@code rate-limiter.*}
     */
    public record Policy(
            @Nullable Duration timeout,
            @Nullable Duration deadline,
            @Nullable Retry retry,
            @Nullable Hedge hedge,
            @Nullable CircuitBreaker circuitBreaker,
            @Nullable Bulkhead bulkhead,
            @Nullable RateLimiter rateLimiter) {}

    /**
     * {@code sluice.policies.<name>.retry.*}.
     *
     * @param maxAttempts attempts, counting the first (resilience4j's convention), at least 1
     * @param minBackoff the first backoff
     * @param maxBackoff the longest backoff
     * @param multiplier backoff growth per attempt
     * @param jitter random share of each backoff, 0 to 1
     * @param backoff exponential, linear or fixed
     */
    public record Retry(
            @Nullable Integer maxAttempts,
            @Nullable Duration minBackoff,
            @Nullable Duration maxBackoff,
            @Nullable Double multiplier,
            @Nullable Double jitter,
            @Nullable Backoff backoff) {}

    /**
     * {@code sluice.policies.<name>.hedge.*}: extra attempts started while the first is still running.
     *
     * @param maxHedgedAttempts attempts beside the first, 1 to 10 (default 1 when the part is present)
     * @param delay wait before each extra attempt, 0 starts them all at once (default 2 s when the part is present)
     */
    public record Hedge(@Nullable Integer maxHedgedAttempts, @Nullable Duration delay) {}

    /**
     * {@code sluice.policies.<name>.circuit-breaker.*} (resilience4j's settings, under Sluice's names).
     *
     * @param failureRateThreshold percent
     * @param slowCallRateThreshold percent
     * @param slowCallDurationThreshold a call slower than this is slow
     * @param slidingWindowType count-based or time-based
     * @param slidingWindowSize calls, or seconds when time-based
     * @param minimumNumberOfCalls calls before the rate counts
     * @param waitInOpen how long the breaker stays open
     * @param permittedCallsInHalfOpen trial calls in half-open
     */
    public record CircuitBreaker(
            @Nullable Double failureRateThreshold,
            @Nullable Double slowCallRateThreshold,
            @Nullable Duration slowCallDurationThreshold,
            @Nullable SlidingWindowType slidingWindowType,
            @Nullable Integer slidingWindowSize,
            @Nullable Integer minimumNumberOfCalls,
            @Nullable Duration waitInOpen,
            @Nullable Integer permittedCallsInHalfOpen) {}

    /**
     * {@code sluice.policies.<name>.bulkhead.*}.
     *
     * @param maxConcurrent calls at once
     */
    public record Bulkhead(@Nullable Integer maxConcurrent) {}

    /**
     * {@code sluice.policies.<name>.rate-limiter.*}.
     *
     * @param limitForPeriod calls per period (default 50 when the part is present)
     * @param refreshPeriod the period (default 500 ms when the part is present)
     */
    public record RateLimiter(@Nullable Integer limitForPeriod, @Nullable Duration refreshPeriod) {}

    /**
     * One subscriber, {@code sluice.subscribers.<name>.*}; an absent key keeps {@code SubscriberSpec}'s default.
     *
     * @param policy the name of a {@code sluice.policies} policy (default: the policy named like the subscriber if
     *     there is one, else {@code SubscriberSpec.DEFAULT_POLICY}, a 30 s timeout)
     * @param inboxSize inbox capacity (default 1024)
     * @param concurrency events handled at once (default 1)
     * @param orderedByKey one event per key at a time, in order (default false)
     * @param overflow backpressure or dead-letter when the inbox is full (default backpressure)
     * @param maxPublishWait longest wait of a publish for room (default 250 ms)
     * @param onBreakerOpen pause or dead-letter while the breaker is open (default pause)
     * @param disposeGrace grace for in-flight handlers on dispose (default 5 s)
     * @param redriveDelays scheduled redrive after these delays, then park (default: no scheduled redrive)
     * @param startFrom durable types only: where the subscriber's consumer group starts when it is first created,
     *     {@code newest} or {@code oldest} (default newest; an existing group keeps its position)
     * @param deliveryLimit durable types only: deliveries of one entry that may end in no outcome (its process died)
     *     before it is dead-lettered as {@code DELIVERY_LIMIT} (default 5)
     */
    public record Subscriber(
            @Nullable String policy,
            @Nullable Integer inboxSize,
            @Nullable Integer concurrency,
            @Nullable Boolean orderedByKey,
            @Nullable OverflowPolicy overflow,
            @Nullable Duration maxPublishWait,
            @Nullable BreakerOpenPolicy onBreakerOpen,
            @Nullable Duration disposeGrace,
            @Nullable List<Duration> redriveDelays,
            @Nullable StartPosition startFrom,
            @Nullable Integer deliveryLimit) {}

    /**
     * {@code sluice.dead-letters.*}.
     *
     * @param store {@code redis} (default), or {@code in-memory}, which loses every letter when the process ends
     *     (a startup warning says so)
     * @param keyPrefix the Redis key prefix (default {@code sluice}: keys {@code sluice:dlq:{<subscriber>}})
     * @param journalDirectory where the Redis store journals letters Redis did not acknowledge; the journal is {@code
     *     <journal-directory>/<instance-id>/dead-letters.journal} (default {@code sluice-journal}, relative to the
     *     working directory)
     * @param commandTimeout how long Redis has to answer before a letter is journaled; also the connect timeout
     *     (default 1 s)
     * @param replayInterval time between journal replays (default 1 s)
     * @param maxPayloadBytes longest stored payload JSON (default 65536)
     * @param maxLength most letters kept per subscriber stream, 0 for no limit (default 0)
     */
    public record DeadLetters(
            @DefaultValue("redis") Store store,
            @DefaultValue("sluice") String keyPrefix,
            @DefaultValue("sluice-journal") Path journalDirectory,
            @DefaultValue("1s") Duration commandTimeout,
            @DefaultValue("1s") Duration replayInterval,
            @DefaultValue("65536") int maxPayloadBytes,
            @DefaultValue("0") long maxLength) {}

    /** Which dead-letter store the starter configures. */
    public enum Store {
        /** The Redis store, on Boot's {@code spring.data.redis.*} connection. */
        REDIS,
        /** The in-memory store: letters die with the process. */
        IN_MEMORY
    }

    /**
     * {@code sluice.health.*}.
     *
     * @param breakerOpenDown report an open breaker as {@code DOWN} (HTTP 503) instead of {@code CIRCUIT_OPEN} (HTTP
     *     200) (default false)
     */
    public record Health(@DefaultValue("false") boolean breakerOpenDown) {}

    /**
     * {@code sluice.lifecycle.*}.
     *
     * @param closeMargin the bus's close timeout is {@code spring.lifecycle.timeout-per-shutdown-phase} less this,
     *     so letters of what cannot finish are written within the phase (default 2 s; the timeout is at least half
     *     the phase)
     */
    public record Lifecycle(@DefaultValue("2s") Duration closeMargin) {}

    /**
     * {@code sluice.durable.*}: the Redis Streams transport of durable event types, on the same {@code
     * spring.data.redis.*} connection details and {@code ClientResources} as the Redis dead-letter store, with its own
     * client. Each default is the {@code RedisStreamTransport.DEFAULT_*} constant of the same setting (a test ties
     * them).
     *
     * @param enabled create the transport and hand it to the bus (default false: durable types are opt-in, and a
     *     durable {@code EventType} bean without a transport fails startup naming this key)
     * @param instanceId this instance's consumer name in every group, unique among live instances (default: the
     *     transport's {@code <host>-<pid>-<random>}, new at each start, because a fixed id is refused until the
     *     lease of the process that held it has expired)
     * @param keyPrefix the Redis key prefix (default: {@code sluice.dead-letters.key-prefix}; streams are {@code
     *     <prefix>:ev:{<type>:<partition>}})
     * @param commandTimeout how long Redis has to answer one command; also the connect timeout (default 1 s)
     * @param requestQueueSize bound of Lettuce's request queue per connection (default 10000)
     * @param publishTimeout how long one append may take, retries included (default 5 s)
     * @param publishFirstBackoff first backoff between append attempts; it doubles (default 50 ms)
     * @param publishMaxBackoff longest backoff between append attempts (default 1 s)
     * @param appendConcurrency appends of one {@code publishAll} in flight at once (default 256)
     * @param lease life of partition leases, memberships and the instance lease without renewal (default 10 s)
     * @param heartbeat time between lease renewals, at most half the lease (default 2 s)
     * @param leaseMargin how long before a partition lease's local expiry handlers stop starting, less than the lease
     *     (default 1 s)
     * @param block the {@code BLOCK} time of one consumer read (default 1 s)
     * @param maxLag undelivered entries of a group above which its consumers report {@code DEGRADED} (default 10000)
     * @param maxPendingAge age of a group's oldest pending entry above which its consumers report {@code DEGRADED}
     *     (default 1 min)
     * @param retentionInterval time between retention runs (default 10 s)
     * @param maxLength most entries one partition stream keeps, 0 for no limit; entries trimmed unhandled are
     *     counted (default 0)
     */
    public record Durable(
            @DefaultValue("false") boolean enabled,
            @Nullable String instanceId,
            @Nullable String keyPrefix,
            @DefaultValue("1s") Duration commandTimeout,
            @DefaultValue("10000") int requestQueueSize,
            @DefaultValue("5s") Duration publishTimeout,
            @DefaultValue("50ms") Duration publishFirstBackoff,
            @DefaultValue("1s") Duration publishMaxBackoff,
            @DefaultValue("256") int appendConcurrency,
            @DefaultValue("10s") Duration lease,
            @DefaultValue("2s") Duration heartbeat,
            @DefaultValue("1s") Duration leaseMargin,
            @DefaultValue("1s") Duration block,
            @DefaultValue("10000") long maxLag,
            @DefaultValue("1m") Duration maxPendingAge,
            @DefaultValue("10s") Duration retentionInterval,
            @DefaultValue("0") long maxLength) {}
}
