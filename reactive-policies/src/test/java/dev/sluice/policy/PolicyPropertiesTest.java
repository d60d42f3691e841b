package dev.sluice.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PolicyPropertiesTest {

    @Test
    void registersEveryDescribedPart() {
        PolicyRegistry registry = PolicyRegistry.create();
        Map<String, String> properties = Map.of(
                "sluice.policies.inventory.timeout", "300ms",
                "sluice.policies.inventory.deadline", "PT2S",
                "sluice.policies.inventory.retry.max-attempts", "4",
                "sluice.policies.inventory.retry.min-backoff", "50ms",
                "sluice.policies.inventory.retry.backoff", "linear",
                "sluice.policies.inventory.circuit-breaker.failure-rate-threshold", "25",
                "sluice.policies.inventory.circuit-breaker.sliding-window-size", "20",
                "sluice.policies.inventory.circuit-breaker.wait-in-open", "5s",
                "sluice.policies.inventory.bulkhead.max-concurrent", "7",
                "other.key", "ignored");

        PolicyProperties.register(properties, registry);

        ResiliencePolicy policy = registry.get("inventory");
        assertThat(policy.timeout()).isEqualTo(Duration.ofMillis(300));
        assertThat(policy.deadline()).isEqualTo(Duration.ofSeconds(2));
        assertThat(policy.retry().maxAttempts()).isEqualTo(4);
        assertThat(policy.retry().minBackoff()).isEqualTo(Duration.ofMillis(50));
        assertThat(policy.retry().backoff()).isEqualTo(Backoff.LINEAR);
        CircuitBreakerConfig breaker = policy.circuitBreaker().getCircuitBreakerConfig();
        assertThat(breaker.getFailureRateThreshold()).isEqualTo(25f);
        assertThat(breaker.getSlidingWindowSize()).isEqualTo(20);
        assertThat(breaker.getSlidingWindowSynchronizationStrategy())
                .isEqualTo(CircuitBreakerConfig.SlidingWindowSynchronizationStrategy.LOCK_FREE);
        assertThat(policy.bulkhead().getBulkheadConfig().getMaxConcurrentCalls())
                .isEqualTo(7);
        assertThat(policy.rateLimiter()).isNull();
    }

    @Test
    void badDurationNamesKeyAndValueAndRegistersNothing() {
        PolicyRegistry registry = PolicyRegistry.create();
        Map<String, String> properties = Map.of(
                "sluice.policies.a-first.timeout", "1s",
                "sluice.policies.inventory.timeout", "5 parsecs");

        assertThatThrownBy(() -> PolicyProperties.register(properties, registry))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("sluice.policies.inventory.timeout: '5 parsecs' is not a duration");
        assertThat(registry.policies()).isEmpty();
    }

    @Test
    void outOfRangeValueNamesKeyAndValue() {
        Map<String, String> properties = Map.of("sluice.policies.inventory.retry.max-attempts", "0");

        assertThatThrownBy(() -> PolicyProperties.register(properties, PolicyRegistry.create()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("sluice.policies.inventory.retry.max-attempts: '0'")
                .hasMessageContaining("maxAttempts must be >= 1, but was 0");
    }

    @Test
    void registersAHedge() {
        PolicyRegistry registry = PolicyRegistry.create();
        Map<String, String> properties = Map.of(
                "sluice.policies.search.hedge.max-hedged-attempts", "2",
                "sluice.policies.search.hedge.delay", "150ms",
                "sluice.policies.parallel.hedge.delay", "0ms");

        PolicyProperties.register(properties, registry);

        assertThat(registry.get("search").hedge().maxHedgedAttempts()).isEqualTo(2);
        assertThat(registry.get("search").hedge().delay()).isEqualTo(Duration.ofMillis(150));
        assertThat(registry.get("parallel").hedge().maxHedgedAttempts())
                .isEqualTo(HedgeSettings.DEFAULT_MAX_HEDGED_ATTEMPTS);
        assertThat(registry.get("parallel").hedge().delay()).isZero();
    }

    @Test
    void badHedgeValuesNameKeyAndValueAndRegisterNothing() {
        PolicyRegistry registry = PolicyRegistry.create();

        assertThatThrownBy(() -> PolicyProperties.register(
                        Map.of("sluice.policies.search.hedge.max-hedged-attempts", "11"), registry))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("sluice.policies.search.hedge.max-hedged-attempts: '11' is invalid: "
                        + "maxHedgedAttempts must be in [1, 10], but was 11");
        assertThatThrownBy(() -> PolicyProperties.register(
                        Map.of("sluice.policies.search.hedge.max-hedged-attempts", "two"), registry))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("sluice.policies.search.hedge.max-hedged-attempts: 'two' is not a whole number");
        assertThatThrownBy(() ->
                        PolicyProperties.register(Map.of("sluice.policies.search.hedge.delay", "PT-1S"), registry))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        "sluice.policies.search.hedge.delay: 'PT-1S' is invalid: delay must be >= 0, but was PT-1S");
        assertThatThrownBy(() ->
                        PolicyProperties.register(Map.of("sluice.policies.search.hedge.max-attempts", "2"), registry))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("sluice.policies.search.hedge.max-attempts: unknown setting");
        assertThat(registry.policies()).isEmpty();
    }

    @Test
    void unknownSettingIsRejectedRatherThanIgnored() {
        Map<String, String> properties = Map.of("sluice.policies.inventory.retry.max-atempts", "3");

        assertThatThrownBy(() -> PolicyProperties.register(properties, PolicyRegistry.create()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("sluice.policies.inventory.retry.max-atempts: unknown setting");
    }

    @Test
    void badChoiceListsTheAllowedValues() {
        Map<String, String> properties = Map.of("sluice.policies.inventory.retry.backoff", "quadratic");

        assertThatThrownBy(() -> PolicyProperties.register(properties, PolicyRegistry.create()))
                .hasMessage(
                        "sluice.policies.inventory.retry.backoff: 'quadratic' is not one of [exponential, linear, fixed]");
    }
}
