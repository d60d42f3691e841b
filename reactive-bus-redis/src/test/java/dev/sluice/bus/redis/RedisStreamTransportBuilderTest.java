package dev.sluice.bus.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class RedisStreamTransportBuilderTest {

    private final RedisStreamTransport.Builder builder = RedisStreamTransport.builder("redis://127.0.0.1:1");

    @Test
    void settersNameTheBadValue() {
        assertThatThrownBy(() -> builder.keyPrefix("a{b"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'a{b'");
        assertThatThrownBy(() -> builder.instanceId("host:1"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'host:1'");
        assertThatThrownBy(() -> builder.publishTimeout(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("publishTimeout");
        assertThatThrownBy(() -> builder.publishBackoff(Duration.ofSeconds(2), Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("PT1S");
        assertThatThrownBy(() -> builder.requestQueueSize(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("requestQueueSize must be >= 1, but was 0");
        assertThatThrownBy(() -> builder.appendConcurrency(-3))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("appendConcurrency must be >= 1, but was -3");
        assertThatThrownBy(() -> builder.maxLength(-1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("but was -1");
        assertThatThrownBy(() -> builder.maxLag(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maxLag must be >= 1, but was 0");
    }

    @Test
    void conflictingLeaseSettingsFailInBuild() {
        assertThatThrownBy(() -> RedisStreamTransport.builder("redis://127.0.0.1:1")
                        .leaseTtl(Duration.ofSeconds(3))
                        .heartbeat(Duration.ofSeconds(2))
                        .build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("heartbeat (PT2S)")
                .hasMessageContaining("leaseTtl (PT3S)");
        assertThatThrownBy(() -> RedisStreamTransport.builder("redis://127.0.0.1:1")
                        .safetyMargin(Duration.ofSeconds(10))
                        .build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("safetyMargin (PT10S)");
    }

    @Test
    void anApplicationClientThatQueuesWhileDisconnectedIsRefused() {
        RedisClient client = RedisClient.create();
        try {
            assertThatThrownBy(() -> RedisStreamTransport.builder(client, RedisURI.create("redis://127.0.0.1:1"))
                            .build())
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("REJECT_COMMANDS");
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }

    @Test
    void anEmptySeedListIsRefused() {
        assertThatThrownBy(() -> RedisStreamTransport.clusterBuilder(List.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("empty");
    }

    @Test
    void theDefaultInstanceIdIsHostPidAndARandomPartNewForEveryTransport() {
        RedisStreamTransport first = builder.build();
        RedisStreamTransport second = builder.build();
        RedisStreamTransport named = RedisStreamTransport.builder("redis://127.0.0.1:1")
                .instanceId("node-7")
                .build();
        try {
            assertThat(first.instanceId())
                    .contains("-" + ProcessHandle.current().pid() + "-")
                    .doesNotContain(":", "{", "}", " ");
            assertThat(second.instanceId()).isNotEqualTo(first.instanceId());
            assertThat(named.instanceId()).isEqualTo("node-7");
        } finally {
            first.close().block(Duration.ofSeconds(10));
            second.close().block(Duration.ofSeconds(10));
            named.close().block(Duration.ofSeconds(10));
        }
    }
}
