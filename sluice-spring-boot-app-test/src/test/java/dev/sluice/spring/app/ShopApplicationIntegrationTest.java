package dev.sluice.spring.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.bus.EventBus;
import dev.sluice.bus.SubscriberStats;
import dev.sluice.spring.SluiceLifecycle;
import dev.sluice.testsupport.RedisExtension;
import dev.sluice.testsupport.TestRedis;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * The shop on the starter, over HTTP: the downstream fails, so the listener's policy retries, the breaker opens
 * (health {@code CIRCUIT_OPEN}, HTTP 200), dead letters land in Redis; the downstream recovers, the letters are
 * redriven through the actuator endpoint, and the payload's {@code Instant} arrives intact after its trip through the
 * store's JSON.
 */
@Tag("integration")
@ExtendWith(RedisExtension.class)
@SpringBootTest(
        classes = ShopApplication.class,
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "sluice.policies.downstream.timeout=2s",
            "sluice.policies.downstream.retry.max-attempts=3",
            "sluice.policies.downstream.retry.min-backoff=10ms",
            "sluice.policies.downstream.retry.max-backoff=20ms",
            "sluice.policies.downstream.circuit-breaker.sliding-window-size=4",
            "sluice.policies.downstream.circuit-breaker.minimum-number-of-calls=4",
            "sluice.policies.downstream.circuit-breaker.failure-rate-threshold=50",
            // the test closes the breaker itself once the downstream is back: no race with a timer
            "sluice.policies.downstream.circuit-breaker.wait-in-open=1h",
            "sluice.subscribers.inventory.policy=downstream",
            "sluice.instance-id=shop-test",
            "sluice.dead-letters.journal-directory=target/sluice-journal",
            "management.endpoints.web.exposure.include=health,sluice,prometheus",
            "management.endpoint.health.show-details=always",
            "management.endpoint.health.probes.enabled=true"
        })
@AutoConfigureWebTestClient
class ShopApplicationIntegrationTest {

    static TestRedis redis;
    static Downstream downstream;

    @Autowired
    WebTestClient web;

    @Autowired
    SluiceLifecycle lifecycle;

    @Autowired
    EventBus bus;

    @BeforeAll
    static void start(TestRedis testRedis) {
        redis = testRedis;
        downstream = Downstream.start(Duration.ZERO);
    }

    @AfterAll
    static void stop() {
        downstream.close();
    }

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("spring.data.redis.host", () -> redis.host());
        registry.add("spring.data.redis.port", () -> redis.port());
        registry.add("sluice.dead-letters.key-prefix", () -> redis.key("sluice"));
        registry.add("shop.downstream-url", () -> downstream.url());
    }

    @Test
    void failuresRetryOpenTheBreakerDeadLetterInRedisAndRedriveOverActuator() {
        CircuitBreaker breaker = Objects.requireNonNull(
                lifecycle.subscriber("inventory").orElseThrow().policy().circuitBreaker());
        Instant placedAt = Instant.parse("2026-03-04T05:06:07.123456789Z");
        downstream.failing.set(true);

        place(new OrderPlaced("o-1", "sku-1", placedAt));
        place(new OrderPlaced("o-2", "sku-2", placedAt));
        Await.until("the breaker to open", () -> breaker.getState() == CircuitBreaker.State.OPEN);
        Await.until("a dead letter", () -> stats().deadLettered() >= 1);

        RedisCommands<String, String> commands = redis.connect().sync();
        String stream = redis.key("sluice") + ":dlq:{inventory}";
        assertThat(commands.xlen(stream)).isGreaterThanOrEqualTo(1);
        web.get()
                .uri("/actuator/health")
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody()
                .jsonPath("$.status")
                .isEqualTo("CIRCUIT_OPEN")
                .jsonPath("$.components.sluice.status")
                .isEqualTo("CIRCUIT_OPEN")
                .jsonPath("$.components.sluice.components.inventory.status")
                .isEqualTo("CIRCUIT_OPEN")
                .jsonPath("$.components.sluice.components.inventory.details.breaker")
                .isEqualTo("OPEN")
                .jsonPath("$.components.sluice.components.deadLetterStore.status")
                .isEqualTo("UP");
        web.get()
                .uri("/actuator/health/liveness")
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody()
                .jsonPath("$.status")
                .isEqualTo("UP")
                .jsonPath("$.components.sluice")
                .doesNotExist();
        web.get()
                .uri("/actuator/sluice")
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody()
                .jsonPath("$.subscribers.inventory.breaker")
                .isEqualTo("OPEN")
                .jsonPath("$.subscribers.inventory.policy")
                .isEqualTo("downstream")
                .jsonPath("$.deadLetterStore.status")
                .isEqualTo("UP");
        web.get()
                .uri("/actuator/sluice/inventory?type=order.placed")
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody()
                .jsonPath("$.count")
                .value(count -> assertThat(((Number) count).longValue()).isGreaterThanOrEqualTo(1))
                .jsonPath("$.letters[0].eventType")
                .isEqualTo("order.placed")
                // show-values defaults to never
                .jsonPath("$.letters[0].payload")
                .isEqualTo("******")
                .jsonPath("$.letters[0].stackTrace")
                .isEqualTo("******");
        web.get()
                .uri("/actuator/sluice/inventory?reason=not-a-reason")
                .exchange()
                .expectStatus()
                .isEqualTo(HttpStatus.BAD_REQUEST);
        String prometheus = web.get()
                .uri("/actuator/prometheus")
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody(String.class)
                .returnResult()
                .getResponseBody();
        assertThat(prometheus)
                // Prometheus appends the base unit: sluice.events.published (events) ->
                // sluice_events_published_events_total
                .contains("sluice_events_published_events_total{type=\"order.placed\"}")
                .contains("sluice_events_handled_events_total")
                .contains("sluice_policy_calls_total{outcome=\"success\",policy=\"downstream\"}")
                .contains("sluice_policy_retries_total{policy=\"downstream\"}")
                .contains("sluice_dead_letters_written_letters_total")
                .contains("sluice_dead_letters_pending_letters")
                .contains("resilience4j_circuitbreaker_state{name=\"downstream\",state=\"open\"} 1.0");

        downstream.failing.set(false);
        breaker.transitionToClosedState();
        Await.until("the inbox to drain", () -> stats().inFlight() == 0);
        long letters = commands.xlen(stream);
        web.post()
                .uri("/actuator/sluice/inventory")
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{}")
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody()
                .jsonPath("$.redriven")
                .isEqualTo((int) letters)
                .jsonPath("$.outcomes.DELIVERED")
                .isEqualTo((int) letters);

        assertThat(commands.xlen(stream)).isZero();
        assertThat(downstream.received)
                .anySatisfy(body -> assertThat(body).contains("\"id\":\"o-1\"").contains(placedAt.toString()))
                .anySatisfy(body -> assertThat(body).contains("\"id\":\"o-2\"").contains(placedAt.toString()));
        assertThat(stats().balanced()).isTrue();
    }

    private void place(OrderPlaced order) {
        web.post()
                .uri("/orders")
                .bodyValue(order)
                .exchange()
                .expectStatus()
                .isAccepted()
                .expectBody()
                .jsonPath("$.eventId")
                .isNotEmpty();
    }

    private SubscriberStats stats() {
        return bus.stats().get("inventory");
    }
}
