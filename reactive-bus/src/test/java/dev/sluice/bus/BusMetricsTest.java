package dev.sluice.bus;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

class BusMetricsTest {

    private static final EventType<String> PLACED = EventType.of("order.placed", String.class);
    private static final EventType<String> NOBODY = EventType.of("order.ignored", String.class);

    @Test
    void countsPublishedUnroutedHandledAndLettersWithDescriptions() {
        EventBus bus = EventBus.builder().build();
        bus.register(NOBODY);
        bus.subscribe(SubscriberSpec.builder(
                        "flaky",
                        PLACED,
                        e -> e.payload().equals("bad") ? Mono.error(new IllegalStateException()) : Mono.empty())
                .build());
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        BusMetrics.of(bus).bindTo(meters);

        StepVerifier.create(bus.publishAll(PLACED, reactor.core.publisher.Flux.just("ok", "bad", "ok")))
                .expectNextCount(3)
                .verifyComplete();
        StepVerifier.create(bus.publish(NOBODY, "x")).expectNextCount(1).verifyComplete();
        StepVerifier.create(bus.close(Duration.ofSeconds(5))).verifyComplete();

        assertThat(meters.get("sluice.events.published")
                        .tag("type", "order.placed")
                        .functionCounter()
                        .count())
                .isEqualTo(3);
        assertThat(meters.get("sluice.events.unrouted")
                        .tag("type", "order.ignored")
                        .functionCounter()
                        .count())
                .isEqualTo(1);
        assertThat(handled(meters, "delivered")).isEqualTo(2);
        assertThat(handled(meters, "dead_lettered")).isEqualTo(1);
        assertThat(meters.get("sluice.dead.letters.written")
                        .tag("subscriber", "flaky")
                        .tag("reason", "PERMANENT_ERROR")
                        .functionCounter()
                        .count())
                .isEqualTo(1);
        assertThat(meters.get("sluice.handler.duration")
                        .tag("subscriber", "flaky")
                        .timer()
                        .count())
                .isEqualTo(3);
        for (Meter meter : meters.getMeters()) {
            assertThat(meter.getId().getDescription())
                    .as(meter.getId().getName())
                    .isNotBlank();
            assertThat(meter.getId().getBaseUnit()).as(meter.getId().getName()).isNotBlank();
        }
    }

    @Test
    void bindsTypesAndSubscribersAddedAfterBinding() {
        EventBus bus = EventBus.builder().build();
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        BusMetrics.of(bus).bindTo(meters);
        SubscriberHandle first = bus.subscribe(
                SubscriberSpec.builder("flaky", PLACED, e -> Mono.empty()).build());
        StepVerifier.create(bus.publish(PLACED, "ok")).expectNextCount(1).verifyComplete();
        StepVerifier.create(bus.whenIdle().then(Mono.defer(first::dispose)))
                .expectComplete()
                .verify(Duration.ofSeconds(5));

        bus.subscribe(SubscriberSpec.builder("flaky", PLACED, e -> Mono.error(new IllegalStateException("no")))
                .build());
        StepVerifier.create(bus.publish(PLACED, "bad")).expectNextCount(1).verifyComplete();
        StepVerifier.create(bus.close(Duration.ofSeconds(5))).verifyComplete();

        assertThat(meters.get("sluice.events.published")
                        .tag("type", "order.placed")
                        .functionCounter()
                        .count())
                .isEqualTo(2);
        assertThat(handled(meters, "delivered"))
                .as("the second subscriber's, not the first's")
                .isZero();
        assertThat(handled(meters, "dead_lettered")).isEqualTo(1);
    }

    private static double handled(SimpleMeterRegistry meters, String outcome) {
        return meters.get("sluice.events.handled")
                .tag("subscriber", "flaky")
                .tag("outcome", outcome)
                .functionCounter()
                .count();
    }
}
