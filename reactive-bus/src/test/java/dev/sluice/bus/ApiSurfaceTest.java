package dev.sluice.bus;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Modifier;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/**
 * Guards the line between API and implementation where ArchUnit cannot look: the object {@code subscribe} returns at
 * run time ({@link ArchitectureTest} checks the signatures).
 */
class ApiSurfaceTest {

    // regression: subscribe used to hand out the public SubscriberWorker, which a caller could downcast
    @Test
    void subscribeReturnsAHandleOfANonPublicClass() {
        EventBus bus = EventBus.builder().build();
        EventType<String> placed = EventType.of("order.placed", String.class);

        SubscriberHandle handle = bus.subscribe(
                SubscriberSpec.builder("a", placed, e -> Mono.empty()).build());

        assertThat(Modifier.isPublic(handle.getClass().getModifiers())).isFalse();
        StepVerifier.create(bus.close(Duration.ofSeconds(5))).verifyComplete();
    }
}
