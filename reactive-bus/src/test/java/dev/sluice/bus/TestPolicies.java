package dev.sluice.bus;

import dev.sluice.policy.ResiliencePolicy;
import dev.sluice.policy.RetrySettings;
import java.time.Duration;

/** Resilience policies shared by the bus's tests. */
final class TestPolicies {

    private TestPolicies() {}

    /**
     * Return a policy named {@code name} that retries a failed handling once after 1 ms, without jitter, within a 5 s
     * timeout per attempt: a handler that fails its first call is handled on the second.
     */
    static ResiliencePolicy retryOnce(String name) {
        return ResiliencePolicy.builder(name)
                .timeout(Duration.ofSeconds(5))
                .retry(RetrySettings.builder()
                        .maxAttempts(2)
                        .minBackoff(Duration.ofMillis(1))
                        .maxBackoff(Duration.ofMillis(1))
                        .jitter(0)
                        .build())
                .build();
    }
}
