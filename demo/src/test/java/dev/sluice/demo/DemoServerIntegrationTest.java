package dev.sluice.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testsupport.FaultProxy;
import dev.sluice.testsupport.RedisExtension;
import dev.sluice.testsupport.TestRedis;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import reactor.netty.http.client.HttpClient;
import reactor.test.StepVerifier;

/** The demo's HTTP API over real HTTP on port 0, backed by the real test Redis. */
@Tag("integration")
@ExtendWith(RedisExtension.class)
class DemoServerIntegrationTest {

    @Test
    void healthIsUpWhenRedisAnswers(TestRedis redis) {
        try (DemoServer server = DemoServer.start(redis.client(), "127.0.0.1", 0)) {

            StepVerifier.create(get(server, "/health"))
                    .assertNext(reply -> assertThat(reply).isEqualTo("200 {\"status\":\"UP\",\"redis\":\"UP\"}"))
                    .expectComplete()
                    .verify(Duration.ofSeconds(10));
        }
    }

    @Test
    void healthIsServiceUnavailableWhileRedisIsCutOff(TestRedis redis) {
        try (FaultProxy proxy = FaultProxy.start(redis.host(), redis.port())) {
            RedisClient client = RedisClient.create(redis.uriThrough(proxy));
            client.setOptions(ClientOptions.builder()
                    .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                    .build());
            try (DemoServer server = DemoServer.start(client, "127.0.0.1", 0)) {
                proxy.cut();

                StepVerifier.create(get(server, "/health"))
                        .assertNext(reply -> assertThat(reply).startsWith("503 "))
                        .expectComplete()
                        .verify(Duration.ofSeconds(10));
            } finally {
                client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            }
        }
    }

    private static reactor.core.publisher.Mono<String> get(DemoServer server, String path) {
        return HttpClient.create()
                .get()
                .uri("http://127.0.0.1:" + server.port() + path)
                .responseSingle((response, body) ->
                        body.asString().map(text -> response.status().code() + " " + text));
    }
}
