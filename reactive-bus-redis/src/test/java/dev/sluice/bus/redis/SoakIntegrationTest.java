package dev.sluice.bus.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.bus.DeadLetterQuery;
import dev.sluice.bus.Event;
import dev.sluice.bus.EventBus;
import dev.sluice.bus.EventType;
import dev.sluice.bus.SubscriberHandle;
import dev.sluice.bus.SubscriberSpec;
import dev.sluice.bus.SubscriberStats;
import dev.sluice.policy.ResiliencePolicy;
import dev.sluice.policy.RetrySettings;
import dev.sluice.testsupport.RedisExtension;
import dev.sluice.testsupport.TestRedis;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/**
 * Issue 8's soak: many events through the full chain (timeout, breaker, retry) with 1 % failing once and 0.1 %
 * failing for good into Redis, in chunks of a million. It must not run out of memory, the accounting must be exact,
 * and Redis must hold exactly the permanent failures. Heap after GC at each million is reported, not asserted (in
 * {@code target/soak-report.txt} and the test output).
 *
 * <p>CI runs 1 M events in the default test JVM; {@code ./mvnw -B verify -Psoak -pl reactive-bus -am} runs 10 M with
 * {@code -Xmx256m} (system property {@code sluice.soak.events}).
 */
@Tag("integration")
@ExtendWith(RedisExtension.class)
class SoakIntegrationTest {

    private static final EventType<Long> TICK = EventType.of("soak.tick", Long.class);
    private static final long CHUNK = 1_000_000;

    @TempDir
    Path journalDir;

    // concurrency 1: the retry of a failed event comes before the next event, so one flag is enough
    private volatile boolean failedOnce;

    @Test
    @Timeout(value = 60, unit = TimeUnit.MINUTES)
    void millionsOfEventsWithFailuresKeepTheAccountingExactInBoundedMemory(TestRedis redis) throws IOException {
        long events = Long.getLong("sluice.soak.events", CHUNK);
        RedisDeadLetterStore store = StoreFixture.store(redis, journalDir);
        EventBus bus = EventBus.builder().deadLetterStore(store).build();
        SubscriberHandle handle = bus.subscribe(SubscriberSpec.builder("soak", TICK, this::handle)
                .policy(ResiliencePolicy.builder("soak")
                        .timeout(Duration.ofSeconds(1))
                        .circuitBreaker(CircuitBreakerConfig.custom()
                                .slidingWindowSynchronizationStrategy(
                                        CircuitBreakerConfig.SlidingWindowSynchronizationStrategy.LOCK_FREE)
                                .build())
                        .retry(RetrySettings.builder()
                                .maxAttempts(2)
                                .minBackoff(Duration.ZERO)
                                .maxBackoff(Duration.ZERO)
                                .build())
                        .build())
                .build());
        List<String> report = new ArrayList<>();
        report.add("soak: " + events + " events, max heap "
                + mb(Runtime.getRuntime().maxMemory()) + " MB");

        for (long from = 0; from < events; from += CHUNK) {
            long first = from, to = Math.min(events, from + CHUNK);
            StepVerifier.create(bus.publishAll(
                                    TICK, Flux.range(0, (int) (to - first)).map(i -> first + i))
                            .then(bus.whenIdle()))
                    .expectComplete()
                    .verify(Duration.ofMinutes(10));
            System.gc(); // the test thread, between chunks: only to report the heap that survives a collection
            long used = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
            report.add(String.format("soak: %,d events, heap after GC %d MB", to, mb(used)));
        }
        long permanent = (events + 999 - 7) / 1000; // payloads i with i % 1000 == 7
        StoreFixture.awaitTrue("letters acknowledged", () -> store.pending() == 0, Duration.ofMinutes(2));
        SubscriberStats stats = handle.stats();
        StepVerifier.create(store.count(DeadLetterQuery.of("soak")))
                .expectNext(permanent)
                .expectComplete()
                .verify(Duration.ofMinutes(1));
        StepVerifier.create(bus.close(Duration.ofSeconds(10)).then(store.closeGracefully()))
                .expectComplete()
                .verify(Duration.ofMinutes(1));
        report.forEach(System.out::println);
        Files.write(Path.of("target", "soak-report.txt"), report);

        assertThat(stats).isEqualTo(new SubscriberStats(events, events - permanent, 0, permanent, 0, 0));
    }

    private Publisher<?> handle(Event<Long> event) {
        long i = event.payload();
        if (i % 1000 == 7) {
            return Mono.error(new IllegalStateException("permanent failure of " + i));
        }
        if (i % 100 == 0) {
            if (!failedOnce) {
                failedOnce = true;
                return Mono.error(new IOException("transient failure of " + i));
            }
            failedOnce = false;
        }
        return Mono.empty();
    }

    private static long mb(long bytes) {
        return bytes / (1024 * 1024);
    }
}
