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
