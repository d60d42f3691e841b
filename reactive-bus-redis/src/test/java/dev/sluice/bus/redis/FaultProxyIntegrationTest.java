package dev.sluice.bus.redis;

import dev.sluice.testsupport.FaultProxy;
import dev.sluice.testsupport.RedisExtension;
import dev.sluice.testsupport.TestRedis;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisException;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.reactive.RedisReactiveCommands;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;
import reactor.util.retry.Retry;

/** The fault proxy makes Redis unreachable and reachable again, as later outage tests need. */
@Tag("integration")
@ExtendWith(RedisExtension.class)
class FaultProxyIntegrationTest {

    private static final Duration COMMAND_TIMEOUT = Duration.ofMillis(500);

    private FaultProxy proxy;
    private ClientResources resources;
    private RedisClient client;
    private StatefulRedisConnection<String, String> connection;

    @BeforeEach
    void connectThroughProxy(TestRedis redis) {
        proxy = FaultProxy.start(redis.host(), redis.port());
        resources = ClientResources.builder()
                .reconnectDelay(Delay.constant(Duration.ofMillis(50)))
                .build();
        client = RedisClient.create(resources, redis.uriThrough(proxy));
        client.setOptions(ClientOptions.builder()
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .timeoutOptions(TimeoutOptions.enabled(COMMAND_TIMEOUT))
                .build());
        connection = client.connect();
    }

    @AfterEach
    void closeAll() {
        connection.close();
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        resources.shutdown(0, 2, java.util.concurrent.TimeUnit.SECONDS);
        proxy.close();
    }

    @Test
    void cutFailsCommandsAndRestoreLetsThemThroughAgain(TestRedis redis) {
        RedisReactiveCommands<String, String> commands = connection.reactive();
        String key = redis.key("k");
        StepVerifier.create(commands.set(key, "before")).expectNext("OK").verifyComplete();

        proxy.cut();

        // rejected while disconnected (RedisException), or, if the command was written before the cut was noticed,
        // failed by the reset itself (an IOException from Netty): either way it fails fast instead of hanging
        StepVerifier.create(commands.get(key))
                .expectErrorMatches(e -> e instanceof RedisException || e instanceof java.io.IOException)
                .verify(Duration.ofSeconds(10));

        proxy.restore();

        StepVerifier.create(untilReconnected(commands.get(key)))
                .expectNext("before")
                .expectComplete()
                .verify(Duration.ofSeconds(20));
    }

    @Test
    void stallTimesCommandsOutWithoutClosingTheConnection(TestRedis redis) {
        RedisReactiveCommands<String, String> commands = connection.reactive();
        String key = redis.key("k");
        StepVerifier.create(commands.set(key, "v")).expectNext("OK").verifyComplete();

        proxy.stall();

        StepVerifier.create(commands.get(key)).expectError(RedisException.class).verify(Duration.ofSeconds(10));

        proxy.restore();

        StepVerifier.create(untilReconnected(commands.get(key)))
                .expectNext("v")
                .expectComplete()
                .verify(Duration.ofSeconds(20));
    }

    private static <T> Mono<T> untilReconnected(Mono<T> command) {
        return Mono.defer(() -> command).retryWhen(Retry.fixedDelay(100, Duration.ofMillis(100)));
    }
}
