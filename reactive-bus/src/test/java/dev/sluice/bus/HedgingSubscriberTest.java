package dev.sluice.bus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.bus.internal.WorstCase;
import dev.sluice.policy.HedgeSettings;
import dev.sluice.policy.ResiliencePolicy;
import dev.sluice.policy.RetrySettings;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

/** What a subscriber whose policy hedges may be, and how long its worst-case attempt is. */
class HedgingSubscriberTest {

    private static final EventType<String> PLACED = EventType.of("order.placed", String.class);

    private static final ResiliencePolicy HEDGED = ResiliencePolicy.builder("hedged")
            .timeout(Duration.ofSeconds(1))
            .hedge(HedgeSettings.builder()
                    .maxHedgedAttempts(2)
                    .delay(Duration.ofMillis(300))
                    .build())
            .build();

    @Test
    void anOrderedSubscriberRefusesAHedgingPolicy() {
        var builder = SubscriberSpec.<String>builder("inventory", PLACED, e -> Mono.empty())
                .policy(HEDGED)
                .orderedByKey(true);

        assertThatThrownBy(builder::build)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("subscriber 'inventory' is ordered by key, but policy 'hedged' hedges: a hedge"
                        + " runs a second handling of one event beside the first");
    }

    @Test
    void anUnorderedSubscriberTakesAHedgingPolicy() {
        SubscriberSpec<String> spec = SubscriberSpec.<String>builder("inventory", PLACED, e -> Mono.empty())
                .policy(HEDGED)
                .build();

        assertThat(spec.policy().hedge()).isNotNull();
    }

    @Test
    void aHedgedAttemptLastsUntilItsLastHedgeTimesOut() {
        ResiliencePolicy retried = ResiliencePolicy.builder("retried")
                .timeout(Duration.ofSeconds(1))
                .hedge(HedgeSettings.builder()
                        .maxHedgedAttempts(2)
                        .delay(Duration.ofMillis(300))
                        .build())
                .retry(RetrySettings.builder()
                        .maxAttempts(2)
                        .maxBackoff(Duration.ofSeconds(2))
                        .build())
                .build();

        assertThat(WorstCase.of(HEDGED)).isEqualTo(Duration.ofMillis(1000 + 2 * 300));
        assertThat(WorstCase.of(retried)).isEqualTo(Duration.ofMillis(2 * (1000 + 2 * 300) + 2000));
    }
}
