package dev.sluice.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

class PolicyMetricsTest {

    @Test
    void countsOutcomesRetriesAndDescribesEveryMeter() {
        PolicyRegistry registry = PolicyRegistry.create();
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        PolicyMetrics.of(registry).bindTo(meters);
        ResiliencePolicy policy = registry.register(
                "inventory",
                b -> b.retry(RetrySettings.builder()
                        .maxAttempts(2)
                        .minBackoff(Duration.ZERO)
                        .maxBackoff(Duration.ZERO)
                        .build()));

        StepVerifier.create(policy.apply(Mono.just("ok"))).expectNext("ok").verifyComplete();
        StepVerifier.create(policy.apply(Mono.error(new IOException("down"))))
                .expectError(RetriesExhaustedException.class)
                .verify(Duration.ofSeconds(5));

        assertThat(count(meters, "sluice.policy.calls", "success")).isEqualTo(1);
        assertThat(count(meters, "sluice.policy.calls", "failed")).isEqualTo(1);
        assertThat(meters.get("sluice.policy.retries")
                        .tag("policy", "inventory")
                        .functionCounter()
                        .count())
                .isEqualTo(1);
        for (Meter meter : meters.getMeters()) {
            if (meter.getId().getName().startsWith("sluice.")) {
                assertThat(meter.getId().getDescription())
                        .as(meter.getId().getName())
                        .isNotBlank();
                assertThat(meter.getId().getBaseUnit())
                        .as(meter.getId().getName())
                        .isNotBlank();
            }
        }
    }

    @Test
    void keyedPoliciesAreNeverTagged() {
        PolicyRegistry registry = PolicyRegistry.create();
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        PolicyMetrics.of(registry).bindTo(meters);
        registry.register("http", b -> b.bulkhead(4));

        registry.forKey("http", "10.0.0.7");

        assertThat(meters.getMeters()).flatMap(meter -> meter.getId().getTags()).noneMatch(tag -> tag.getValue()
                .contains("10.0.0.7"));
    }

    private static double count(SimpleMeterRegistry meters, String name, String outcome) {
        return meters.get(name)
                .tag("policy", "inventory")
                .tag("outcome", outcome)
                .functionCounter()
                .count();
    }
}
