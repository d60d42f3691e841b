package dev.sluice.bus.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.bus.DeadLetter;
import dev.sluice.testsupport.FaultProxy;
import dev.sluice.testsupport.RedisExtension;
import dev.sluice.testsupport.TestRedis;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import reactor.test.StepVerifier;

/**
 * {@code writeToStore}, the write of durable entries' letters (docs/DESIGN.md, "Durable types"): Redis only, never the
 * journal, so that an entry is acknowledged only once every instance can see its letter.
 */
@Tag("integration")
@ExtendWith(RedisExtension.class)
class WriteToStoreIntegrationTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path journalDir;

    @Test
    void writesToRedisOnlyAndSignalsTheErrorWhileRedisIsCutNeverJournaling(TestRedis redis) {
        try (FaultProxy proxy = FaultProxy.start(redis.host(), redis.port())) {
            RedisDeadLetterStore store = StoreFixture.builder(redis, redis.uriThrough(proxy), journalDir)
                    .commandTimeout(Duration.ofMillis(300))
                    .build();
            try {
                DeadLetter letter = TestLetters.letter("billing", "L1");
                proxy.cut();

                StepVerifier.create(store.writeToStore(letter, null))
                        .expectError()
                        .verify(WAIT);
                assertThat(store.journaled()).isZero();
                assertThat(store.pending()).isZero();

                proxy.restore();
                StepVerifier.create(store.writeToStore(letter, Instant.parse("2026-03-01T12:00:00Z"))
                                .retryWhen(reactor.util.retry.Retry.fixedDelay(100, Duration.ofMillis(50))))
                        .expectComplete()
                        .verify(WAIT);
                // idempotent by letter id, as write is
                StepVerifier.create(store.writeToStore(letter, null))
                        .expectComplete()
                        .verify(WAIT);
                assertThat(store.get("billing", "L1").block(WAIT)).isNotNull();
                assertThat(store.count(dev.sluice.bus.DeadLetterQuery.of("billing"))
                                .block(WAIT))
                        .isEqualTo(1);
                assertThat(store.journaled()).isZero();
            } finally {
                StepVerifier.create(store.closeGracefully()).expectComplete().verify(WAIT);
            }
        }
    }
}
