package dev.sluice.bus;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.policy.ResiliencePolicy;
import dev.sluice.policy.RetrySettings;
import io.micrometer.common.KeyValue;
import io.micrometer.context.ContextRegistry;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.tck.TestObservationRegistry;
import io.micrometer.observation.transport.SenderContext;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/**
 * Issue 16, step 2: one {@code sluice.publish} observation per publish and one {@code sluice.process} per (event,
 * subscriber), their OpenTelemetry messaging key values, the handling a child of its publish, error status for a dead
 * letter, the fallback an event. Observed with Micrometer's {@code TestObservationRegistry} and a handler that keeps
 * every stopped context.
 */
class ObservationTest {

    private static final EventType<String> PLACED = EventType.of("order.placed", String.class);

    private final TestObservationRegistry observations = TestObservationRegistry.create();
    private final Queue<Observation.Context> stopped = new ConcurrentLinkedQueue<>();
    private final Queue<String> events = new ConcurrentLinkedQueue<>(); // subscriber:event
    private final EventBus bus = EventBus.builder()
            // the default accessors: Reactor's Context and the current Observation
            .contextRegistry(new ContextRegistry().loadContextAccessors().loadThreadLocalAccessors())
            .observationRegistry(observations)
            .build();

    ObservationTest() {
        // what a tracing bridge's propagating handler does: write the sender's trace context into its carrier
        AtomicInteger spans = new AtomicInteger();
        observations.observationConfig().observationHandler(new ObservationHandler<SenderContext<Object>>() {
            @Override
            public void onStart(SenderContext<Object> context) {
                context.getSetter()
                        .set(context.getCarrier(), "traceparent", context.getName() + "-" + spans.incrementAndGet());
            }

            @Override
            public boolean supportsContext(Observation.Context context) {
                return context instanceof SenderContext<?>;
            }
        });
        observations.observationConfig().observationHandler(new ObservationHandler<>() {
            @Override
            public void onStop(Observation.Context context) {
                stopped.add(context);
            }

            @Override
            public void onEvent(Observation.Event event, Observation.Context context) {
                KeyValue subscriber = context.getLowCardinalityKeyValue("messaging.consumer.group.name");
                events.add((subscriber == null ? "" : subscriber.getValue()) + ":" + event.getName());
            }

            @Override
            public boolean supportsContext(Observation.Context context) {
                return true;
            }
        });
    }

    @AfterEach
    void close() {
        StepVerifier.create(bus.close(Duration.ofSeconds(5))).verifyComplete();
    }

    @Test
    void aPublishAndEachHandlingAreObservedWithMessagingKeyValuesTheHandlingAChildOfThePublish() {
        List<@Nullable Observation> currentInHandler = new CopyOnWriteArrayList<>();
        bus.subscribe(SubscriberSpec.builder(
                        "billing",
                        PLACED,
                        e -> Mono.fromRunnable(() -> currentInHandler.add(observations.getCurrentObservation())))
                .build());
        bus.subscribe(SubscriberSpec.builder("email", PLACED, e -> Mono.empty()).build());

        String id = publish("o-1");
        StepVerifier.create(bus.whenIdle()).verifyComplete();

        Observation.Context publish = only("sluice.publish");
        assertThat(publish.getContextualName()).isEqualTo("publish order.placed");
        assertThat(publish.getLowCardinalityKeyValues())
                .contains(
                        KeyValue.of("messaging.system", "sluice"),
                        KeyValue.of("messaging.destination.name", "order.placed"),
                        KeyValue.of("messaging.operation.type", "publish"));
        assertThat(publish.getHighCardinalityKeyValues()).contains(KeyValue.of("messaging.message.id", id));
        List<Observation.Context> processes = named("sluice.process");
        assertThat(processes)
                .extracting(c -> c.getLowCardinalityKeyValue("messaging.consumer.group.name")
                        .getValue())
                .containsExactlyInAnyOrder("billing", "email");
        assertThat(processes).allSatisfy(process -> {
            assertThat(process.getContextualName()).isEqualTo("process order.placed");
            assertThat(process.getLowCardinalityKeyValues())
                    .contains(
                            KeyValue.of("messaging.system", "sluice"),
                            KeyValue.of("messaging.destination.name", "order.placed"),
                            KeyValue.of("messaging.operation.type", "process"),
                            KeyValue.of("sluice.outcome", "delivered"));
            assertThat(process.getHighCardinalityKeyValues()).contains(KeyValue.of("messaging.message.id", id));
            assertThat(process.getLowCardinalityKeyValues())
                    .extracting(KeyValue::getKey)
                    .doesNotContain("messaging.message.id"); // never a meter tag
            assertThat(process.getParentObservation()).isNotNull();
            assertThat(process.getParentObservation().getContextView()).isSameAs(publish);
            assertThat(process.getError()).isNull();
        });
        assertThat(currentInHandler).singleElement().satisfies(current -> assertThat(current)
                .isNotNull()
                .extracting(Observation::getContextView)
                .isSameAs(named("sluice.process").stream()
                        .filter(c -> "billing"
                                .equals(c.getLowCardinalityKeyValue("messaging.consumer.group.name")
                                        .getValue()))
                        .findFirst()
                        .orElseThrow()));
        assertThat(observations.getCurrentObservation()).isNull(); // nothing left open on this thread
    }

    @Test
    void aPublishIsAChildOfThePublishersCurrentObservation() {
        bus.subscribe(
                SubscriberSpec.builder("billing", PLACED, e -> Mono.empty()).build());
        Observation request = Observation.start("http.server.requests", observations);

        try (Observation.Scope scope = request.openScope()) {
            publish("o-1");
        }
        request.stop();
        StepVerifier.create(bus.whenIdle()).verifyComplete();

        Observation.Context publish = only("sluice.publish");
        assertThat(publish.getParentObservation()).isNotNull();
        assertThat(publish.getParentObservation().getContextView()).isSameAs(request.getContextView());
    }

    @Test
    void aDeadLetteredHandlingHasAnErrorStatusAndARecoveredOneAFallbackEvent() {
        IllegalStateException boom = new IllegalStateException("boom");
        bus.subscribe(SubscriberSpec.builder("billing", PLACED, e -> Mono.error(boom))
                .policy(ResiliencePolicy.builder("billing")
                        .timeout(Duration.ofSeconds(5))
                        .retry(RetrySettings.builder().maxAttempts(1).build())
                        .build())
                .build());
        bus.subscribe(SubscriberSpec.builder("email", PLACED, e -> Mono.error(boom))
                .policy(ResiliencePolicy.builder("email")
                        .timeout(Duration.ofSeconds(5))
                        .retry(RetrySettings.builder().maxAttempts(1).build())
                        .build())
                .fallback((e, failure) -> Mono.empty())
                .build());

        publish("o-1");
        StepVerifier.create(bus.whenIdle()).verifyComplete();

        Observation.Context billing = process("billing");
        assertThat(billing.getError()).isSameAs(boom);
        assertThat(billing.getLowCardinalityKeyValue("sluice.outcome").getValue())
                .isEqualTo("dead_lettered");
        Observation.Context email = process("email");
        assertThat(email.getError()).isNull();
        assertThat(email.getLowCardinalityKeyValue("sluice.outcome").getValue()).isEqualTo("recovered");
        assertThat(events).containsExactly("email:fallback");
    }

    @Test
    void aRetryIsAnEventOfTheSameHandlingWhichIsCurrentInEveryAttempt() {
        List<@Nullable Observation> currentPerAttempt = new CopyOnWriteArrayList<>();
        AtomicInteger calls = new AtomicInteger();
        bus.subscribe(SubscriberSpec.builder("billing", PLACED, e -> {
                    currentPerAttempt.add(observations.getCurrentObservation());
                    return calls.incrementAndGet() == 1 ? Mono.error(new IOException("flaky")) : Mono.empty();
                })
                .policy(TestPolicies.retryOnce("billing"))
                .build());

        publish("o-1");
        StepVerifier.create(bus.whenIdle()).verifyComplete();

        Observation.Context billing = only("sluice.process");
        assertThat(billing.getLowCardinalityKeyValue("sluice.outcome").getValue())
                .isEqualTo("delivered");
        assertThat(events).containsExactly("billing:retry");
        assertThat(currentPerAttempt).hasSize(2).allSatisfy(current -> assertThat(current)
                .isNotNull()
                .extracting(Observation::getContextView)
                .isSameAs(billing));
    }

    @Test
    void aDeadLetterKeepsTheEventsTraceparentAndAddsTheOneItFailedUnder() {
        bus.subscribe(SubscriberSpec.builder("billing", PLACED, e -> Mono.error(new IllegalStateException("boom")))
                .build());

        publish("o-1");
        StepVerifier.create(bus.whenIdle()).verifyComplete();

        String published = only("sluice.publish").getName() + "-1";
        StepVerifier.create(bus.deadLetters().list(DeadLetterQuery.of("billing")))
                .assertNext(letter -> assertThat(letter.headers())
                        .containsEntry("traceparent", published)
                        .containsEntry("failed_traceparent", "sluice.dead.letter-2")
                        .hasSize(2))
                .verifyComplete();
        Observation.Context marker = only("sluice.dead.letter");
        assertThat(marker.getParentObservation()).isNotNull();
        assertThat(marker.getParentObservation().getContextView()).isSameAs(process("billing"));
    }

    @Test
    void aRedriveIsANewHandlingAndReplacesTheFailedTraceparentOfTheLetter() {
        bus.subscribe(SubscriberSpec.builder("billing", PLACED, e -> Mono.error(new IllegalStateException("boom")))
                .build());
        publish("o-1");
        StepVerifier.create(bus.whenIdle()).verifyComplete();

        StepVerifier.create(bus.redrive(DeadLetterQuery.of("billing")))
                .assertNext(result -> assertThat(result.status()).isEqualTo(RedriveResult.Status.FAILED))
                .verifyComplete();

        StepVerifier.create(bus.deadLetters().list(DeadLetterQuery.of("billing")))
                .assertNext(letter -> assertThat(letter.headers())
                        .containsEntry("traceparent", "sluice.publish-1")
                        .containsEntry("failed_traceparent", "sluice.dead.letter-3") // the redrive's, not added
                        .hasSize(2))
                .verifyComplete();
        List<Observation.Context> handlings = named("sluice.process");
        assertThat(handlings).hasSize(2);
        assertThat(handlings.get(1).getHighCardinalityKeyValue("sluice.redrive").getValue())
                .isEqualTo("1");
        assertThat(handlings.get(1).getLowCardinalityKeyValue("sluice.outcome").getValue())
                .isEqualTo("dead_lettered");
        assertThat(handlings.get(1).getError()).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aBusWithoutARegistryObservesNothing() {
        EventBus plain = EventBus.builder().build();
        plain.subscribe(
                SubscriberSpec.builder("billing", PLACED, e -> Mono.empty()).build());

        StepVerifier.create(plain.publish(PLACED, "o-1")).expectNextCount(1).verifyComplete();
        StepVerifier.create(plain.whenIdle().then(plain.close(Duration.ofSeconds(5))))
                .verifyComplete();

        assertThat(stopped).isEmpty();
    }

    private String publish(String payload) {
        PublishReceipt receipt = bus.publish(PLACED, payload).block(Duration.ofSeconds(5));
        assertThat(receipt).isNotNull();
        return receipt.eventId();
    }

    private List<Observation.Context> named(String name) {
        return stopped.stream().filter(c -> name.equals(c.getName())).toList();
    }

    private Observation.Context only(String name) {
        List<Observation.Context> found = named(name);
        assertThat(found).as(name).hasSize(1);
        return found.get(0);
    }

    private Observation.Context process(String subscriber) {
        return named("sluice.process").stream()
                .filter(c -> subscriber.equals(c.getLowCardinalityKeyValue("messaging.consumer.group.name")
                        .getValue()))
                .findFirst()
                .orElseThrow();
    }
}
