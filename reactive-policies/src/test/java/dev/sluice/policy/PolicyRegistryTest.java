package dev.sluice.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.time.Duration;
import java.util.NoSuchElementException;
import org.junit.jupiter.api.Test;
import reactor.test.scheduler.VirtualTimeScheduler;

class PolicyRegistryTest {

    private static final CircuitBreakerConfig TRIPS_AFTER_ONE = CircuitBreakerConfig.custom()
            .slidingWindowSize(1)
            .minimumNumberOfCalls(1)
            .build();

    @Test
    void duplicateNameIsRejected() {
        PolicyRegistry registry = PolicyRegistry.create();
        registry.register("inventory", b -> b.timeout(Duration.ofSeconds(1)));

        assertThatThrownBy(() -> registry.register("inventory", b -> b))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("'inventory'");
    }

    @Test
    void unknownNameIsNamedInTheError() {
        assertThatThrownBy(() -> PolicyRegistry.create().get("nope"))
                .isInstanceOf(NoSuchElementException.class)
                .hasMessageContaining("'nope'");
    }

    @Test
    void eachKeyHasItsOwnBreaker() {
        PolicyRegistry registry = PolicyRegistry.create();
        registry.register("http", b -> b.circuitBreaker(TRIPS_AFTER_ONE));
        ResiliencePolicy hostA = registry.forKey("http", "a.example");
        ResiliencePolicy hostB = registry.forKey("http", "b.example");

        hostA.circuitBreaker().transitionToOpenState();

        assertThat(registry.forKey("http", "a.example")).isSameAs(hostA);
        assertThat(hostB.circuitBreaker().getState()).isEqualTo(CircuitBreaker.State.CLOSED);
        assertThat(registry.get("http").circuitBreaker().getState()).isEqualTo(CircuitBreaker.State.CLOSED);
    }

    @Test
    void keyedPoliciesAreBoundedLeastRecentlyUsedFirst() {
        VirtualTimeScheduler time = VirtualTimeScheduler.create();
        PolicyRegistry registry = PolicyRegistry.create(time, 2, Duration.ofHours(1));
        registry.register("http", b -> b.circuitBreaker(TRIPS_AFTER_ONE));
        ResiliencePolicy first = registry.forKey("http", "first");
        time.advanceTimeBy(Duration.ofSeconds(1));
        ResiliencePolicy second = registry.forKey("http", "second");
        time.advanceTimeBy(Duration.ofSeconds(1));
        registry.forKey("http", "first"); // first is now the more recently used
        time.advanceTimeBy(Duration.ofSeconds(1));

        registry.forKey("http", "third");

        assertThat(registry.keyCount("http")).isEqualTo(2);
        assertThat(registry.forKey("http", "first")).isSameAs(first);
        assertThat(registry.forKey("http", "second")).isNotSameAs(second);
    }

    @Test
    void idleKeysAreEvicted() {
        VirtualTimeScheduler time = VirtualTimeScheduler.create();
        PolicyRegistry registry = PolicyRegistry.create(time, 100, Duration.ofMinutes(10));
        registry.register("http", b -> b);
        registry.forKey("http", "old");
        time.advanceTimeBy(Duration.ofMinutes(11));

        registry.forKey("http", "new");

        assertThat(registry.keyCount("http")).isEqualTo(1);
    }
}
