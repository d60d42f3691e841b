package dev.sluice.bus.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testsupport.RedisExtension;
import dev.sluice.testsupport.TestRedis;
import io.lettuce.core.Range;
import io.lettuce.core.api.reactive.RedisReactiveCommands;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import reactor.test.StepVerifier;

/** Lettuce's reactive stream commands against the real test Redis, under BlockHound. */
@Tag("integration")
@ExtendWith(RedisExtension.class)
class RedisStreamIntegrationTest {

    @Test
    void appendedEntryIsReadBackInOrder(TestRedis redis) {
        RedisReactiveCommands<String, String> commands = redis.connect().reactive();
        String stream = redis.key("stream");

        StepVerifier.create(commands.xadd(stream, Map.of("letter_id", "a", "reason", "RETRIES_EXHAUSTED"))
                        .then(commands.xadd(stream, Map.of("letter_id", "b", "reason", "SHUTDOWN")))
                        .thenMany(commands.xrange(stream, Range.create("-", "+"))))
                .assertNext(entry -> assertThat(entry.getBody())
                        .containsEntry("letter_id", "a")
                        .containsEntry("reason", "RETRIES_EXHAUSTED"))
                .assertNext(entry -> assertThat(entry.getBody()).containsEntry("letter_id", "b"))
                .expectComplete()
                .verify(Duration.ofSeconds(10));
    }
}
