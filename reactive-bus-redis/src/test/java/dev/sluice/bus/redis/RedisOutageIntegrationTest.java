package dev.sluice.bus.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.bus.DeadLetterStore.StoreHealth;
import dev.sluice.testsupport.FaultProxy;
import dev.sluice.testsupport.RedisExtension;
import dev.sluice.testsupport.TestRedis;
import io.lettuce.core.Range;
import io.lettuce.core.StreamMessage;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

/**
 * Redis outages through the fault proxy (docs/DESIGN.md promise 9): letters accepted while Redis is cut off or slow are
 * journaled and replayed, each present exactly once afterwards.
 */
@Tag("integration")
@ExtendWith(RedisExtension.class)
class RedisOutageIntegrationTest {

    private static final Duration COMMAND_TIMEOUT = Duration.ofMillis(300);
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path journalDir;

    private TestRedis redis;
    private FaultProxy proxy;

    @BeforeEach
    void startProxy(TestRedis redis) {
        this.redis = redis;
        this.proxy = FaultProxy.start(redis.host(), redis.port());
    }

    @AfterEach
    void stopProxy() {
        proxy.close();
    }

    @Test
    void redisCutOffMidRunLosesNoLetterAndDuplicatesNone() {
        RedisDeadLetterStore store = throughProxy();
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        store.bindTo(meters);
        AtomicInteger done = new AtomicInteger();
        AtomicReference<StoreHealth> duringOutage = new AtomicReference<>();
        try {
            // 256 writes in flight; the cut and the restore happen as writes complete, so both hit a busy pipeline
            StepVerifier.create(Flux.range(0, 3_000)
                            .flatMap(
                                    i -> store.write(TestLetters.letter("billing", "L" + i))
                                            .doOnSuccess(v -> {
                                                int n = done.incrementAndGet();
                                                if (n == 500) {
                                                    proxy.cut();
                                                } else if (n == 1_500) {
                                                    duringOutage.set(store.health());
                                                } else if (n == 2_000) {
                                                    proxy.restore();
                                                }
                                            }),
                                    256)
                            .then())
                    .expectComplete()
                    .verify(WAIT);

            assertThat(duringOutage.get().status()).isEqualTo(StoreHealth.Status.DEGRADED);
            assertThat(duringOutage.get().reason()).contains("journal");
            assertThat(meters.get("sluice.dead.letters.write.errors")
                            .functionCounter()
                            .count())
                    .isPositive();
            StoreFixture.awaitTrue(
                    "journal replayed",
                    () -> store.pending() == 0
                            && meters.get("sluice.dead.letters.pending").gauge().value() == 0.0,
                    WAIT);
            StoreFixture.awaitTrue("health back up", () -> store.health().equals(StoreHealth.up()), WAIT);
        } finally {
            store.close();
        }

        assertThat(letterIds("billing")).hasSize(3_000).doesNotHaveDuplicates();
        assertThat(journalFiles()).isEmpty();
    }

    @Test
    void slowRedisSendsLettersToTheJournalAndTheyAreReplayedOnce() {
        RedisDeadLetterStore store = throughProxy();
        try {
            proxy.latency(COMMAND_TIMEOUT.multipliedBy(3));

            StepVerifier.create(Flux.range(0, 50)
                            .flatMap(i -> store.write(TestLetters.letter("billing", "L" + i)))
                            .then())
                    .expectComplete()
                    .verify(WAIT);

            assertThat(store.journaled()).isEqualTo(50);
            assertThat(store.health().status()).isEqualTo(StoreHealth.Status.DEGRADED);

            proxy.restore();

            StoreFixture.awaitTrue("journal replayed", () -> store.pending() == 0, WAIT);
            StoreFixture.awaitTrue("health back up", () -> store.health().equals(StoreHealth.up()), WAIT);
        } finally {
            store.close();
        }
        // the slow originals reached Redis too; the replay added nothing twice
        assertThat(letterIds("billing")).hasSize(50).doesNotHaveDuplicates();
    }

    @Test
    void aNewStoreOnTheSameJournalPathReplaysWhatTheOldOneLeft() {
        RedisDeadLetterStore first = throughProxy();
        proxy.cut();
        StepVerifier.create(Flux.range(0, 40)
                        .flatMap(i -> first.write(TestLetters.letter("billing", "L" + i), null))
                        .then())
                .expectComplete()
                .verify(WAIT);
        assertThat(first.journaled()).isEqualTo(40);
        first.close();
        assertThat(journalFiles()).isNotEmpty();
        proxy.restore();

        RedisDeadLetterStore second = StoreFixture.store(redis, journalDir);
        try {
            StoreFixture.awaitTrue(
                    "journal replayed",
                    () -> second.pending() == 0 && journalFiles().isEmpty(),
                    WAIT);
        } finally {
            second.close();
        }

        assertThat(letterIds("billing")).hasSize(40).doesNotHaveDuplicates();
    }

    @Test
    void whenRedisAndTheJournalBothRefuseTheWriteFailsAndHealthIsDown() throws Exception {
        Path notADirectory = Files.createFile(journalDir.resolve("file"));
        RedisDeadLetterStore store = StoreFixture.builder(redis, redis.uriThrough(proxy), journalDir)
                .commandTimeout(COMMAND_TIMEOUT)
                .journalPath(notADirectory.resolve("dead-letters.journal"))
                .build();
        try {
            proxy.cut();

            StepVerifier.create(store.write(TestLetters.letter("billing", "L1")))
                    .expectErrorSatisfies(e -> assertThat(e)
                            .isInstanceOf(UncheckedIOException.class)
                            .hasMessageContaining("L1")
                            .hasMessageContaining("Redis did not acknowledge")
                            .hasMessageContaining("journal"))
                    .verify(WAIT);

            assertThat(store.health().status()).isEqualTo(StoreHealth.Status.DOWN);
            assertThat(store.pending()).isZero();
        } finally {
            store.close();
        }
    }

    private RedisDeadLetterStore throughProxy() {
        return StoreFixture.builder(redis, redis.uriThrough(proxy), journalDir)
                .commandTimeout(COMMAND_TIMEOUT)
                .build();
    }

    private List<String> letterIds(String subscriber) {
        return redis
                .connect()
                .sync()
                .xrange(redis.keyPrefix() + "sluice:dlq:{" + subscriber + "}", Range.create("-", "+"))
                .stream()
                .map(StreamMessage::getBody)
                .map(body -> body.get("letter_id"))
                .toList();
    }

    private List<Path> journalFiles() {
        try (Stream<Path> files = Files.list(journalDir)) {
            return files.filter(f -> f.getFileName().toString().startsWith("dead-letters.journal"))
                    .toList();
        } catch (java.io.IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
