package dev.sluice.bus;

import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import dev.sluice.policy.ResiliencePolicy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.core.publisher.Mono;

/** Settings that break the contract are refused at assembly time, with an error naming the bad value. */
class SubscribeAndTypeValidationTest {

    private static final EventType<String> PLACED = EventType.of("order.placed", String.class);

    @Test
    void subscribingWithAPolicyThatCarriesItsOwnFallbackIsRefused() {
        // docs/DESIGN.md "Fallbacks": RECOVERED must always mean the subscriber's fallback ran
        ResiliencePolicy withFallback = ResiliencePolicy.builder("inventory-policy")
                .fallback(failure -> Mono.empty())
                .build();

        assertThatIllegalArgumentException()
                .isThrownBy(() -> SubscriberSpec.builder("inventory", PLACED, e -> Mono.empty())
                        .policy(withFallback))
                .withMessageContaining("policy 'inventory-policy' carries its own fallback")
                .withMessageContaining("subscriber 'inventory'");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "Order Placed",
                "order",
                "order..placed",
                "Order.placed",
                "order.placed.",
                ".order",
                "1order.placed"
            })
    void eventTypeNamesOutsideThePatternAreRefused(String name) {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> EventType.of(name, String.class))
                .withMessageContaining(EventType.NAME_PATTERN)
                .withMessageContaining("'" + name + "'");
    }

    @ParameterizedTest
    @ValueSource(strings = {"sluice.dead-letter.recorded", "sluice.my-app.started"})
    void eventTypeNamesUnderTheReservedSluicePrefixAreRefused(String name) {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> EventType.of(name, String.class))
                .withMessageContaining("reserved")
                .withMessageContaining("'" + name + "'");
    }
}
