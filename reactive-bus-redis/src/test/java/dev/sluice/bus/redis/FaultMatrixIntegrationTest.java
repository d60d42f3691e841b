package dev.sluice.bus.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.bus.BreakerOpenPolicy;
import dev.sluice.bus.DeadLetter;
import dev.sluice.bus.DeadLetterQuery;
import dev.sluice.bus.DeadLetterReason;
import dev.sluice.bus.EventBus;
import dev.sluice.bus.EventType;
import dev.sluice.bus.OverflowPolicy;
import dev.sluice.bus.SubscriberHandle;
import dev.sluice.bus.SubscriberSpec;
import dev.sluice.bus.SubscriberStats;
import dev.sluice.bus.redis.TestLetters.Order;
import dev.sluice.policy.ResiliencePolicy;
import dev.sluice.policy.RetrySettings;
import dev.sluice.testsupport.RedisExtension;
import dev.sluice.testsupport.TestRedis;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/**
 * Issue 8's fault matrix: every handler fault against every subscriber setting (ordered or not, fallback or not,
 * {@code BACKPRESSURE} or {@code DEAD_LETTER} overflow, pause or dead-letter on an open breaker), over a real Redis.
 * After each run the accounting is exact at quiescence, Redis holds exactly the letters the bus counted, and every
 * letter has a reason the fault can produce.
 */
@Tag("integration")
@ExtendWith(RedisExtension.class)
class FaultMatrixIntegrationTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final EventType<Order> PLACED = EventType.of("order.placed", Order.class);
    private static final int EVENTS = 12;
    private static final Duration TIMEOUT = Duration.ofMillis(50);

    @TempDir
    static Path journalDir;

    private static RedisDeadLetterStore store;
    private static int run;

    @BeforeAll
    static void start(TestRedis redis) {
        store = StoreFixture.store(redis, journalDir);
    }

    @AfterAll
    static void stop() {
        StepVerifier.create(store.closeGracefully()).expectComplete().verify(WAIT);
    }

    /** A handler fault, and the reason its final failure gets (null: it does not fail). */
    enum Fault {
        THROWS(
                e -> {
                    throw new IllegalStateException("thrown");
                },
                DeadLetterReason.PERMANENT_ERROR),
        PERMANENT(e -> Mono.error(new IllegalStateException("permanent")), DeadLetterReason.PERMANENT_ERROR),
        RETRYABLE(e -> Mono.error(new IOException("retryable")), DeadLetterReason.RETRIES_EXHAUSTED),
        IGNORED(e -> Mono.error(new IllegalArgumentException("ignored")), DeadLetterReason.PERMANENT_ERROR),
        NEVER_COMPLETES(e -> Mono.never(), DeadLetterReason.RETRIES_EXHAUSTED),
        // far beyond the timeout: on a loaded machine the timer can fire tens of ms late, and a completion at twice the
        // timeout then beat it and counted as delivered (the timer is what cancels it, so this costs no time)
        COMPLETES_AFTER_TIMEOUT(e -> Mono.delay(TIMEOUT.multipliedBy(20)).then(), DeadLetterReason.RETRIES_EXHAUSTED),
        RETURNS_NULL(e -> null, DeadLetterReason.PERMANENT_ERROR),
        EMITS_MANY(e -> Flux.range(0, 100), null),
        SLOW(e -> Mono.delay(Duration.ofMillis(5)).then(), null);

        final Function<Object, @Nullable Publisher<?>> handler;
        final @Nullable DeadLetterReason reason;

        Fault(Function<Object, @Nullable Publisher<?>> handler, @Nullable DeadLetterReason reason) {
            this.handler = handler;
            this.reason = reason;
        }
    }

    static Stream<Arguments> matrix() {
        List<Arguments> cases = new ArrayList<>();
        for (Fault fault : Fault.values()) {
            for (boolean ordered : new boolean[] {false, true}) {
                for (boolean fallback : new boolean[] {false, true}) {
                    for (OverflowPolicy overflow : OverflowPolicy.values()) {
                        for (BreakerOpenPolicy onOpen : BreakerOpenPolicy.values()) {
                            cases.add(Arguments.of(fault, ordered, fallback, overflow, onOpen));
                        }
                    }
                }
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} ordered={1} fallback={2} {3} open={4}")
    @MethodSource("matrix")
    void accountingIsExactAndEveryLetterHasTheRightReason(
            Fault fault, boolean ordered, boolean fallback, OverflowPolicy overflow, BreakerOpenPolicy onOpen) {
        String subscriber = "matrix-" + (++run);
        EventBus bus = EventBus.builder().deadLetterStore(store).build();
        SubscriberSpec.Builder<Order> spec = SubscriberSpec.builder(subscriber, PLACED, fault.handler::apply)
                .policy(ResiliencePolicy.builder(subscriber)
                        .timeout(TIMEOUT)
                        .retry(RetrySettings.builder()
                                .maxAttempts(2)
                                .minBackoff(Duration.ofMillis(1))
                                .maxBackoff(Duration.ofMillis(1))
                                .build())
                        .circuitBreaker(CircuitBreakerConfig.custom()
                                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                                .slidingWindowSize(4)
                                .minimumNumberOfCalls(4)
                                .waitDurationInOpenState(Duration.ofMillis(100))
                                .permittedNumberOfCallsInHalfOpenState(1)
                                .build())
                        .build())
                .concurrency(2)
                .orderedByKey(ordered)
                .inboxSize(4)
                .overflow(overflow)
                .maxPublishWait(Duration.ofMillis(100))
                .onBreakerOpen(onOpen);
        if (fallback) {
            spec.fallback((event, failure) -> Mono.empty());
        }
        SubscriberHandle handle = bus.subscribe(spec.build());

        StepVerifier.create(bus.publishAll(PLACED, Flux.range(0, EVENTS).map(i -> new Order("o-" + i, i % 3, "")))
                        .then(bus.whenIdle()))
                .expectComplete()
                .verify(WAIT);
        SubscriberStats stats = handle.stats();
        StepVerifier.create(bus.close(Duration.ofSeconds(5))).expectComplete().verify(WAIT);

        assertThat(stats.offered()).isEqualTo(EVENTS);
        assertThat(stats.inFlight()).isZero();
        assertThat(stats.balanced()).as(stats.toString()).isTrue();
        // a letter the journal acknowledged (Redis slow for a moment on a loaded machine) is in Redis after the replay
        StoreFixture.awaitTrue("letters in Redis", () -> store.pending() == 0, WAIT);
        List<DeadLetter> letters = store.list(DeadLetterQuery.of(subscriber).withPage(0, 1_000))
                .collectList()
                .block(WAIT);
        assertThat((long) letters.size()).as("letters in Redis").isEqualTo(stats.deadLettered());
        Set<DeadLetterReason> allowed = EnumSet.of(DeadLetterReason.INBOX_OVERFLOW);
        if (!fallback && fault.reason != null) {
            allowed.add(fault.reason);
            allowed.add(DeadLetterReason.CIRCUIT_OPEN);
        }
        Set<DeadLetterReason> reasons = letters.stream().map(DeadLetter::reason).collect(Collectors.toSet());
        assertThat(reasons).isSubsetOf(allowed);
        if (fault.reason == null) {
            assertThat(stats.delivered() + stats.deadLettered()).isEqualTo(EVENTS);
            assertThat(stats.recovered()).isZero();
        } else if (fallback) {
            assertThat(stats.delivered()).isZero();
        } else {
            assertThat(reasons).as("the fault's own reason appears").contains(fault.reason);
        }
    }
}
