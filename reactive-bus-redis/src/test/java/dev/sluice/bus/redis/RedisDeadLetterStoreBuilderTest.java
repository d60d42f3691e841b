package dev.sluice.bus.redis;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.RedisClusterClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class RedisDeadLetterStoreBuilderTest {

    private final RedisDeadLetterStore.Builder builder = RedisDeadLetterStore.builder("redis://localhost:6379");

    @Test
    void settersNameTheBadValue() {
        assertThatThrownBy(() -> builder.keyPrefix("a{b}"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("keyPrefix must be non-empty and without braces, but was 'a{b}'");
        assertThatThrownBy(() -> builder.commandTimeout(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("commandTimeout must be positive, but was PT0S");
        assertThatThrownBy(() -> builder.requestQueueSize(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("requestQueueSize must be >= 1, but was 0");
        assertThatThrownBy(() -> builder.replayInterval(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("replayInterval must be positive, but was PT-1S");
        assertThatThrownBy(() -> builder.maxPayloadBytes(10))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maxPayloadBytes must be >= 64, but was 10");
        assertThatThrownBy(() -> builder.maxStackTraceBytes(1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maxStackTraceBytes must be >= 64, but was 1");
        assertThatThrownBy(() -> builder.maxLength(-1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maxLength must be >= 0 (0: no limit), but was -1");
        assertThatThrownBy(() -> builder.journalPath(Path.of("/")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("journalPath must name a file");
        assertThatThrownBy(() -> builder.objectMapper(null))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("objectMapper");
    }

    @Test
    void anUnparsableUriIsRejected() {
        assertThatThrownBy(() -> RedisDeadLetterStore.builder("not a uri"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aClientThatWouldQueueWhileDisconnectedIsRefused() {
        RedisClient client = RedisClient.create();
        try {
            assertThatThrownBy(() -> RedisDeadLetterStore.builder(client, RedisURI.create("redis://localhost"))
                            .build())
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("REJECT_COMMANDS");
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }

    @Test
    void aClusterClientThatWouldQueueWhileDisconnectedIsRefused() {
        RedisClusterClient client = RedisClusterClient.create(RedisURI.create("redis://localhost"));
        try {
            assertThatThrownBy(() -> RedisDeadLetterStore.builder(client).build())
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("RedisClusterClient's disconnectedBehavior must be REJECT_COMMANDS");
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }

    @Test
    void aClusterNeedsAtLeastOneSeed() {
        assertThatThrownBy(() -> RedisDeadLetterStore.clusterBuilder(List.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("seeds must name at least one Cluster node, but was empty");
    }
}
