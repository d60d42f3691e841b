package dev.sluice.bus;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.bus.tracing.LinkingReceiverTracingObservationHandler;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.tck.TestObservationRegistry;
import io.micrometer.tracing.handler.DefaultTracingObservationHandler;
import io.micrometer.tracing.handler.PropagatingSenderTracingObservationHandler;
import io.micrometer.tracing.otel.bridge.ArrayListSpanProcessor;
import io.micrometer.tracing.otel.bridge.OtelCurrentTraceContext;
import io.micrometer.tracing.otel.bridge.OtelPropagator;
import io.micrometer.tracing.otel.bridge.OtelTracer;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/**
 * Issue 16, steps 2 and 3, with the OpenTelemetry bridge of micrometer-tracing and its W3C {@code traceparent}
 * propagator, wired as Spring Boot wires them (propagating sender, receiver, default handler, first match), with
 * {@link LinkingReceiverTracingObservationHandler} as the receiver: a processing continues the publish's trace through
 * the event's headers by default and is linked to it with {@link ProcessingTrace#LINK}; a dead letter keeps the
 * creation's {@code traceparent} and the failed handling's, a redrive is linked to the letter's trace and replaces its
 * {@code failed_traceparent}.
 */
class OtelTracingTest {

    private static final EventType<String> PLACED = EventType.of("order.placed", String.class);

    private final ArrayListSpanProcessor spans = new ArrayListSpanProcessor();
    private final SdkTracerProvider provider = SdkTracerProvider.builder()
            .setSampler(Sampler.alwaysOn())
            .addSpanProcessor(spans)
            .build();
    private final TestObservationRegistry observations = TestObservationRegistry.create();

    OtelTracingTest() {
        Tracer otel = provider.get("sluice-test");
        OtelTracer tracer = new OtelTracer(otel, new OtelCurrentTraceContext(), event -> {});
        OtelPropagator propagator =
                new OtelPropagator(ContextPropagators.create(W3CTraceContextPropagator.getInstance()), otel);
        observations
                .observationConfig()
                .observationHandler(new ObservationHandler.FirstMatchingCompositeObservationHandler(
                        new PropagatingSenderTracingObservationHandler<>(tracer, propagator),
                        new LinkingReceiverTracingObservationHandler(tracer, propagator),
                        new DefaultTracingObservationHandler(tracer)));
    }

    @AfterEach
    void shutDown() {
        provider.close();
    }

    @Test
    void byDefaultTheProcessingContinuesThePublishTraceThroughTheTraceparentHeader() {
        EventBus bus = bus(ProcessingTrace.CHILD);
        AtomicReference<@Nullable String> seen = new AtomicReference<>();
        bus.subscribe(SubscriberSpec.builder("billing", PLACED, e -> {
                    seen.set(e.headers().get("traceparent"));
                    return Mono.empty();
                })
                .build());

        publishAndClose(bus);

        SpanData publish = only("publish order.placed");
        SpanData process = only("process order.placed");
        assertThat(seen.get()).isEqualTo(traceparent(publish));
        assertThat(process.getTraceId()).isEqualTo(publish.getTraceId());
        assertThat(process.getParentSpanId()).isEqualTo(publish.getSpanId());
        assertThat(process.getLinks()).isEmpty();
        assertThat(process.getKind()).isEqualTo(SpanKind.CONSUMER);
        assertThat(publish.getKind()).isEqualTo(SpanKind.PRODUCER);
    }

    @Test
    void inLinkModeTheProcessingIsATraceOfItsOwnLinkedToThePublish() {
        EventBus bus = bus(ProcessingTrace.LINK);
        bus.subscribe(
                SubscriberSpec.builder("billing", PLACED, e -> Mono.empty()).build());

        publishAndClose(bus);

        SpanData publish = only("publish order.placed");
        SpanData process = only("process order.placed");
        assertThat(process.getTraceId()).isNotEqualTo(publish.getTraceId());
        assertThat(process.getParentSpanContext().isValid()).isFalse();
        assertThat(process.getLinks()).singleElement().satisfies(link -> {
            assertThat(link.getSpanContext().getTraceId()).isEqualTo(publish.getTraceId());
            assertThat(link.getSpanContext().getSpanId()).isEqualTo(publish.getSpanId());
            assertThat(link.getSpanContext().isSampled()).isTrue();
        });
    }

    @Test
    void aDeadLetterKeepsBothTraceparentsAndARedriveIsLinkedToTheLetterAndReplacesTheFailedOne() {
        EventBus bus = bus(ProcessingTrace.CHILD);
        bus.subscribe(SubscriberSpec.builder("billing", PLACED, e -> Mono.error(new IllegalStateException("boom")))
                .build());
        publish(bus);
        StepVerifier.create(bus.whenIdle()).verifyComplete();
        SpanData publish = only("publish order.placed");
        SpanData failed = only("send order.placed");
        DeadLetter letter =
                bus.deadLetters().list(DeadLetterQuery.of("billing")).blockFirst(Duration.ofSeconds(5));
        assertThat(letter).isNotNull();
        assertThat(letter.headers())
                .containsEntry("traceparent", traceparent(publish))
                .containsEntry("failed_traceparent", traceparent(failed));
        assertThat(failed.getTraceId()).isEqualTo(publish.getTraceId()); // it failed in the publish's trace
        assertThat(only("process order.placed").getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);

        StepVerifier.create(bus.redrive(DeadLetterQuery.of("billing")))
                .assertNext(result -> assertThat(result.status()).isEqualTo(RedriveResult.Status.FAILED))
                .verifyComplete();

        List<SpanData> processes = named("process order.placed");
        assertThat(processes).hasSize(2);
        SpanData redrive = processes.get(1);
        assertThat(redrive.getTraceId()).isNotEqualTo(publish.getTraceId());
        assertThat(redrive.getLinks()).singleElement().satisfies(link -> {
            assertThat(link.getSpanContext().getTraceId()).isEqualTo(publish.getTraceId());
            assertThat(link.getSpanContext().getSpanId()).isEqualTo(publish.getSpanId());
        });
        SpanData failedAgain = named("send order.placed").get(1);
        assertThat(failedAgain.getTraceId()).isEqualTo(redrive.getTraceId());
        DeadLetter again = bus.deadLetters().list(DeadLetterQuery.of("billing")).blockFirst(Duration.ofSeconds(5));
        assertThat(again).isNotNull();
        assertThat(again.headers())
                .containsEntry("traceparent", traceparent(publish))
                .containsEntry("failed_traceparent", traceparent(failedAgain))
                .hasSize(2); // replaced, never a second entry (spring-kafka#3786)
        StepVerifier.create(bus.close(Duration.ofSeconds(5))).verifyComplete();
    }

    /** Return the W3C {@code traceparent} of {@code span}, as the propagator writes it. */
    private static String traceparent(SpanData span) {
        return "00-" + span.getTraceId() + "-" + span.getSpanId() + "-"
                + span.getSpanContext().getTraceFlags().asHex();
    }

    private EventBus bus(ProcessingTrace mode) {
        return EventBus.builder()
                .observationRegistry(observations)
                .processingTrace(mode)
                .build();
    }

    private static void publish(EventBus bus) {
        StepVerifier.create(bus.publish(PLACED, "o-1")).expectNextCount(1).verifyComplete();
    }

    private static void publishAndClose(EventBus bus) {
        publish(bus);
        StepVerifier.create(bus.whenIdle().then(bus.close(Duration.ofSeconds(5))))
                .verifyComplete();
    }

    private SpanData only(String name) {
        List<SpanData> found = named(name);
        assertThat(found).as("spans named %s among %s", name, spans.spans()).hasSize(1);
        return found.get(0);
    }

    private List<SpanData> named(String name) {
        return spans.spans().stream().filter(s -> name.equals(s.getName())).toList();
    }
}
