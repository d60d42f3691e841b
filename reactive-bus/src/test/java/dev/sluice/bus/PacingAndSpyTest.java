package dev.sluice.bus;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.policy.ResiliencePolicy;
import dev.sluice.policy.RetrySettings;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

class PacingAndSpyTest {

    private static final EventType<String> PLACED = EventType.of("order.placed", String.class);

    @Test
    void pacingHoldsEventsInTheInboxInsteadOfRejectingThem() {
        EventBus bus = EventBus.builder().build();
        EventSpy<String> spy = EventSpy.create();
        SubscriberHandle paced = bus.subscribe(SubscriberSpec.builder("paced", PLACED, spy.recorder())
                .pacing(2, Duration.ofHours(1))
                .disposeGrace(Duration.ofMillis(50))
                .build());

        StepVerifier.create(bus.publishAll(PLACED, Flux.range(0, 5).map(i -> "o-" + i)))
                .expectNextCount(5)
                .verifyComplete();
        StepVerifier.create(Flux.interval(Duration.ofMillis(1))
                        .filter(t -> paced.stats().delivered() == 2)
                        .next())
                .expectNextCount(1)
                .expectComplete()
                .verify(Duration.ofSeconds(5));

        assertThat(paced.stats()).isEqualTo(new SubscriberStats(5, 2, 0, 0, 0, 3));
        assertThat(spy.payloads()).containsExactly("o-0", "o-1");
        StepVerifier.create(paced.dispose()).expectComplete().verify(Duration.ofSeconds(5));
        assertThat(paced.stats()).isEqualTo(new SubscriberStats(5, 2, 0, 3, 0, 0));
    }

    @Test
    void spyRecordsEveryAttemptAndItsResult() {
        EventBus bus = EventBus.builder().build();
        EventSpy<String> spy = EventSpy.create();
        AtomicInteger calls = new AtomicInteger();
        bus.subscribe(SubscriberSpec.builder(
                        "retrying",
                        PLACED,
                        spy.wrap(
                                e -> calls.incrementAndGet() == 1 ? Mono.error(new IOException("once")) : Mono.empty()))
                .policy(ResiliencePolicy.builder("retrying")
                        .retry(RetrySettings.builder()
                                .maxAttempts(2)
                                .minBackoff(Duration.ofMillis(1))
                                .maxBackoff(Duration.ofMillis(1))
                                .build())
                        .build())
                .build());

        StepVerifier.create(bus.publish(PLACED, "o-1").then(bus.whenIdle()))
                .expectComplete()
                .verify(Duration.ofSeconds(5));

        assertThat(spy.payloads()).containsExactly("o-1", "o-1");
        assertThat(spy.failures()).singleElement().isInstanceOf(IOException.class);
        assertThat(spy.successes()).hasSize(1);
        StepVerifier.create(bus.close(Duration.ofSeconds(5))).verifyComplete();
    }
}
