package dev.sluice.bus;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.observation.DefaultMeterObservationHandler;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/**
 * Issue 16, step 2: the meters a meter handler derives from the bus's observations are those {@link BusMeters} lists,
 * with the tag keys it lists, and an observed bus times a handling once: {@code sluice.process}, not also {@code
 * sluice.handler.duration}.
 */
class ObservedMetersTest {

    private static final EventType<String> PLACED = EventType.of("order.placed", String.class);

    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final ObservationRegistry observations = ObservationRegistry.create();

    ObservedMetersTest() {
        observations.observationConfig().observationHandler(new DefaultMeterObservationHandler(meters));
    }

    @Test
    void anObservedBusTimesAHandlingOnceAndEveryDerivedMeterIsDocumented() {
        EventBus bus = EventBus.builder().observationRegistry(observations).build();
        AtomicInteger calls = new AtomicInteger();
        bus.subscribe(SubscriberSpec.builder(
                        "billing",
                        PLACED,
                        e -> calls.incrementAndGet() == 1 ? Mono.error(new IOException("flaky")) : Mono.empty())
                .policy(TestPolicies.retryOnce("billing"))
                .build());
        bus.subscribe(SubscriberSpec.builder("email", PLACED, e -> Mono.error(new IllegalStateException("refused")))
                .build());
        bus.subscribe(SubscriberSpec.builder("sms", PLACED, e -> Mono.error(new IllegalStateException("refused")))
                .fallback((e, failure) -> Mono.empty())
                .build());
        BusMetrics.of(bus).bindTo(meters);

        StepVerifier.create(bus.publish(PLACED, "o-1")).expectNextCount(1).verifyComplete();
        StepVerifier.create(bus.whenIdle().then(bus.close(Duration.ofSeconds(5))))
                .verifyComplete();

        assertThat(meters.find("sluice.handler.duration").meters()).isEmpty(); // regression: it was timed twice
        Timer billing = meters.get("sluice.process")
                .tag("messaging.consumer.group.name", "billing")
                .timer();
        assertThat(billing.count()).isEqualTo(1);
        assertThat(meters.get("sluice.process.retry").counter().count()).isEqualTo(1);
        assertThat(meters.get("sluice.dead.letter")
                        .tag("messaging.consumer.group.name", "email")
                        .timer()
                        .count())
                .isEqualTo(1);
        assertThat(meters.get("sluice.publish").timer().count()).isEqualTo(1);
        assertThat(meters.get("sluice.process.fallback")
                        .tag("messaging.consumer.group.name", "sms")
                        .counter()
                        .count())
                .isEqualTo(1);
        Set<BusMeters> derived = EnumSet.of(
                BusMeters.PUBLISH_OBSERVED,
                BusMeters.PROCESS_OBSERVED,
                BusMeters.PROCESS_RETRIES,
                BusMeters.PROCESS_FALLBACKS,
                BusMeters.DEAD_LETTER_OBSERVED);
        for (Meter meter : meters.getMeters()) {
            Meter.Id id = meter.getId();
            // a long-task timer <name>.active: its tags are taken at the start, before the outcome is known
            String name = id.getName().replaceFirst("\\.active$", "");
            BusMeters documented = Arrays.stream(BusMeters.values())
                    .filter(m -> m.doc().name().equals(name))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError(id + " is not listed in BusMeters"));
            if (derived.contains(documented) && !id.getName().endsWith(".active")) {
                assertThat(id.getTags())
                        .as(id.toString())
                        .extracting(Tag::getKey)
                        .containsExactlyInAnyOrderElementsOf(documented.doc().tagKeys());
            }
        }
    }
}
