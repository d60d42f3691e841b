package dev.sluice.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.bus.EventBus;
import dev.sluice.bus.EventType;
import dev.sluice.spring.Fixtures.Inventory;
import dev.sluice.spring.Fixtures.OrderPlaced;
import dev.sluice.spring.actuate.SluiceEndpoint;
import dev.sluice.spring.actuate.SluiceHealthContributor;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.endpoint.InvalidEndpointRequestException;
import org.springframework.boot.actuate.endpoint.SecurityContext;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.ReactiveHealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

class SluiceActuatorTest {

    static final EventType<OrderPlaced> TYPE = EventType.of("order.placed", OrderPlaced.class);

    final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(SluiceAutoConfigurationTest.SLUICE)
            .withBean(Inventory.class)
            .withPropertyValues(
                    "sluice.dead-letters.store=in-memory",
                    "management.endpoints.web.exposure.include=sluice",
                    // a policy named like the subscriber is its policy by default
                    "sluice.policies.inventory.circuit-breaker.minimum-number-of-calls=10");

    @Test
    void openBreakerIsCircuitOpenAndTheStoreIsUp() {
        runner.run(context -> {
            SluiceHealthContributor health = context.getBean(SluiceHealthContributor.class);
            assertThat(health(health, "inventory").getStatus()).isEqualTo(Status.UP);

            breaker(context.getBean(SluiceLifecycle.class)).transitionToOpenState();

            assertThat(health(health, "inventory").getStatus()).isEqualTo(SluiceHealthContributor.CIRCUIT_OPEN);
            assertThat(health(health, "inventory").getDetails()).containsEntry("breaker", "OPEN");
            assertThat(health(health, SluiceHealthContributor.STORE).getStatus())
                    .isEqualTo(Status.UP);
            assertThat(health.stream().map(e -> e.name())).containsExactly("inventory", "deadLetterStore");
        });
    }

    @Test
    void openBreakerIsDownWhenConfigured() {
        runner.withPropertyValues("sluice.health.breaker-open-down=true").run(context -> {
            breaker(context.getBean(SluiceLifecycle.class)).transitionToOpenState();

            assertThat(health(context.getBean(SluiceHealthContributor.class), "inventory")
                            .getStatus())
                    .isEqualTo(Status.DOWN);
        });
    }

    @Test
    void endpointListsCountsGetsAndDeletesLettersWithValuesMaskedByDefault() {
        runner.run(context -> {
            SluiceEndpoint endpoint = context.getBean(SluiceEndpoint.class);
            letterFor(context.getBean(EventBus.class));

            Map<String, Object> page = endpoint.letters(
                            SecurityContext.NONE,
                            "inventory",
                            "order.placed",
                            "permanent_error",
                            null,
                            null,
                            null,
                            null,
                            null)
                    .block(Duration.ofSeconds(5));

            assertThat(page).containsEntry("count", 1L);
            Map<?, ?> letter =
                    (Map<?, ?>) ((List<?>) Objects.requireNonNull(page).get("letters")).get(0);
            assertThat(letter.get("payload")).isEqualTo(SluiceEndpoint.MASK);
            assertThat(letter.get("stackTrace")).isEqualTo(SluiceEndpoint.MASK);
            assertThat(letter.get("reason")).isEqualTo("PERMANENT_ERROR");
            String id = (String) letter.get("letterId");
            assertThat(endpoint.letter(SecurityContext.NONE, "inventory", id).block(Duration.ofSeconds(5)))
                    .containsEntry("letterId", id);
            assertThat(endpoint.subscribers()).containsKey("subscribers");
            assertThat(endpoint.delete("inventory", id).block(Duration.ofSeconds(5)))
                    .containsEntry("deleted", true);
        });
    }

    @Test
    void endpointShowsValuesWhenAllowed() {
        runner.withPropertyValues("management.endpoint.sluice.show-values=always")
                .run(context -> {
                    letterFor(context.getBean(EventBus.class));

                    Map<String, Object> page = context.getBean(SluiceEndpoint.class)
                            .letters(SecurityContext.NONE, "inventory", null, null, null, null, null, null, null)
                            .block(Duration.ofSeconds(5));

                    Map<?, ?> letter =
                            (Map<?, ?>) ((List<?>) Objects.requireNonNull(page).get("letters")).get(0);
                    assertThat(letter.get("payload").toString()).contains("bad-1");
                });
    }

    @Test
    void endpointRefusesBadFiltersAndUnknownSubscribers() {
        runner.run(context -> {
            SluiceEndpoint endpoint = context.getBean(SluiceEndpoint.class);

            assertThatThrownBy(() -> endpoint.letters(
                            SecurityContext.NONE, "inventory", null, "nope", null, null, null, null, null))
                    .isInstanceOf(InvalidEndpointRequestException.class);
            assertThatThrownBy(() -> endpoint.redrive("ghost", null, null, null, null))
                    .isInstanceOf(InvalidEndpointRequestException.class)
                    .hasMessageContaining("ghost");
        });
    }

    private static void letterFor(EventBus bus) {
        bus.publish(TYPE, new OrderPlaced("bad-1", Instant.parse("2026-01-01T00:00:00Z")))
                .block(Duration.ofSeconds(5));
        bus.whenIdle().block(Duration.ofSeconds(5));
    }

    private static io.github.resilience4j.circuitbreaker.CircuitBreaker breaker(SluiceLifecycle lifecycle) {
        return Objects.requireNonNull(
                lifecycle.subscriber("inventory").orElseThrow().policy().circuitBreaker());
    }

    private static Health health(SluiceHealthContributor contributor, String name) {
        ReactiveHealthIndicator indicator = (ReactiveHealthIndicator) contributor.getContributor(name);
        return Objects.requireNonNull(Objects.requireNonNull(indicator).health().block(Duration.ofSeconds(5)));
    }
}
