package dev.sluice.bus;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/** Input that breaks the types' contract is refused with a named error, and nothing is enqueued for anyone. */
class BadInputTest {

    private static final EventType<String> PLACED = EventType.of("order.placed", String.class);

    private final EventBus bus = EventBus.builder().build();

    @Test
    @SuppressWarnings({"unchecked", "rawtypes"})
    void wrongPayloadClassThroughARawTypeIsRefusedWithNothingEnqueued() {
        SubscriberHandle handle = bus.subscribe(
                SubscriberSpec.builder("strict", PLACED, e -> Mono.empty()).build());
        EventType raw = PLACED;

        StepVerifier.create(bus.publish(raw, "k", 42))
                .expectErrorSatisfies(e -> assertThat(e)
                        .isInstanceOf(InvalidEventException.class)
                        .hasMessageContaining("order.placed")
                        .hasMessageContaining("java.lang.Integer")
                        .hasMessageContaining("java.lang.String"))
                .verify(Duration.ofSeconds(5));
        StepVerifier.create(bus.publishAll(raw, reactor.core.publisher.Flux.just("fine", 42, "never")))
                .expectNextCount(1)
                .expectError(InvalidEventException.class)
                .verify(Duration.ofSeconds(5));
        StepVerifier.create(bus.close(Duration.ofSeconds(5))).expectComplete().verify(Duration.ofSeconds(10));

        assertThat(handle.stats()).isEqualTo(new SubscriberStats(1, 1, 0, 0, 0, 0));
    }

    @Test
    void aTypeRegisteredWithAnotherPayloadClassIsRefused() {
        bus.register(PLACED);
        EventType<Integer> impostor = EventType.of("order.placed", Integer.class);

        StepVerifier.create(bus.publish(impostor, 1))
                .expectErrorSatisfies(e -> assertThat(e)
                        .isInstanceOf(InvalidEventException.class)
                        .hasMessageContaining("registered with payload java.lang.String"))
                .verify(Duration.ofSeconds(5));
    }
}
