package dev.sluice.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testsupport.RedisExtension;
import dev.sluice.testsupport.TestRedis;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/** With SLUICE_WEBHOOK_URL set, a breaker opening during a downstream outage is POSTed to the webhook as JSON. */
@Tag("integration")
@ExtendWith(RedisExtension.class)
class AlertsWebhookIntegrationTest {

    @Test
    void breakerOpeningIsPostedToTheWebhook(TestRedis redis, @TempDir Path dir) throws Exception {
        Queue<String> received = new ConcurrentLinkedQueue<>();
        DisposableServer webhook = HttpServer.create()
                .host("127.0.0.1")
                .port(0)
                .route(routes -> routes.post("/hook", (request, response) -> request.receive()
                        .aggregate()
                        .asString()
                        .doOnNext(received::add)
                        .then(Mono.defer(() -> response.status(204).send().then()))))
                .bindNow();
        String hook = "http://127.0.0.1:" + webhook.port() + "/hook";
        // a short open wait, so that closing (after calming the downstream) drains the paused inbox quickly
        DemoSettings settings = DemoSettings.serve(
                        "127.0.0.1", 0, "redis://" + redis.host() + ":" + redis.port(), null, hook)
                .mutate()
                .breakerOpenWait(Duration.ofMillis(300))
                .dataDir(dir)
                .storeKeyPrefix(TestStores.prefix(redis))
                .build();
        try (DemoRuntime demo = DemoRuntime.start(settings, OutcomeListener.NONE)) {
            demo.chaos.set(new Chaos.Settings(0, 0, true));

            Flux.range(0, 40)
                    .concatMap(i -> demo.bus.publish(Order.PLACED, Scenario.order(i)))
                    .then()
                    .block(Duration.ofSeconds(20));
            String alert = Flux.interval(Duration.ZERO, Duration.ofMillis(20))
                    .onBackpressureDrop()
                    .concatMap(
                            tick -> Mono.justOrEmpty(received.stream()
                                    .filter(body -> body.contains("sluice.circuit.state-changed"))
                                    .findFirst()),
                            1)
                    .next()
                    .block(Duration.ofSeconds(20));

            assertThat(alert).isNotNull();
            var json = Json.MAPPER.readTree(alert);
            assertThat(json.path("subscriber").asText()).isEqualTo("inventory");
            assertThat(json.path("from").asText()).isEqualTo("CLOSED");
            assertThat(json.path("to").asText()).isEqualTo("OPEN");
            demo.chaos.set(Chaos.Settings.CALM);
        } finally {
            webhook.disposeNow(Duration.ofSeconds(5));
        }
    }
}
