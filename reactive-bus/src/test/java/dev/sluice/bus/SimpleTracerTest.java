package dev.sluice.bus;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.observation.tck.TestObservationRegistry;
import io.micrometer.tracing.handler.DefaultTracingObservationHandler;
import io.micrometer.tracing.test.simple.SimpleSpan;
import io.micrometer.tracing.test.simple.SimpleTracer;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/**
 * Issue 16, step 2, with spans: micrometer-tracing's {@code SimpleTracer} behind its {@code
 * DefaultTracingObservationHandler} (spans from the observations' parents, no propagation), on the default {@code
 * ContextRegistry}. The processing span is a child of the publish span in the default {@link ProcessingTrace#CHILD}
 * mode and in a trace of its own with {@link ProcessingTrace#LINK}; span names and tags follow the OpenTelemetry
 * messaging conventions; a dead-lettered handling's span carries the error. {@code OtelTracingTest} covers W3C
 * propagation through the headers and the span link.
 */
class SimpleTracerTest {

    private static final EventType<String> PLACED = EventType.of("order.placed", String.class);

    private final SimpleTracer tracer = new SimpleTracer();
    private final TestObservationRegistry observations = TestObservationRegistry.create();

    SimpleTracerTest() {
        observations.observationConfig().observationHandler(new DefaultTracingObservationHandler(tracer));
    }

    @Test
    void eachProcessingSpanIsAChildOfItsPublishSpanInOneTraceWithTheMessagingTags() {
        EventBus bus = bus(ProcessingTrace.CHILD);
        bus.subscribe(
                SubscriberSpec.builder("billing", PLACED, e -> Mono.empty()).build());
        bus.subscribe(SubscriberSpec.builder("email", PLACED, e -> Mono.empty()).build());

        String id = publishAndClose(bus);

        SimpleSpan publish = only("publish order.placed");
        assertThat(publish.getTags())
                .containsEntry("messaging.system", "sluice")
                .containsEntry("messaging.destination.name", "order.placed")
                .containsEntry("messaging.operation.type", "publish")
                .containsEntry("messaging.message.id", id);
        List<SimpleSpan> processes = named("process order.placed");
        assertThat(processes)
                .extracting(span -> span.getTags().get("messaging.consumer.group.name"))
                .containsExactlyInAnyOrder("billing", "email");
        assertThat(processes).allSatisfy(process -> {
            assertThat(process.getTraceId()).isEqualTo(publish.getTraceId());
            assertThat(process.getParentId()).isEqualTo(publish.getSpanId());
            assertThat(process.getTags())
                    .containsEntry("messaging.system", "sluice")
                    .containsEntry("messaging.destination.name", "order.placed")
                    .containsEntry("messaging.operation.type", "process")
                    .containsEntry("messaging.message.id", id)
                    .containsEntry("sluice.outcome", "delivered")
                    .containsKey("sluice.inbox.wait.ms");
            assertThat(process.getError()).isNull();
        });
    }

    @Test
    void inLinkModeAProcessingSpanStartsATraceOfItsOwn() {
        EventBus bus = bus(ProcessingTrace.LINK);
        bus.subscribe(
                SubscriberSpec.builder("billing", PLACED, e -> Mono.empty()).build());

        publishAndClose(bus);

        SimpleSpan publish = only("publish order.placed");
        SimpleSpan process = only("process order.placed");
        assertThat(process.getTraceId()).isNotEqualTo(publish.getTraceId());
        assertThat(process.getParentId()).isEmpty();
    }

    @Test
    void aDeadLetteredHandlingsSpanHasTheErrorAndTheDeadLetterSpanIsItsChild() {
        IOException boom = new IOException("smtp down"); // retryable: the retry is a span event
        EventBus bus = bus(ProcessingTrace.CHILD);
        bus.subscribe(SubscriberSpec.builder("billing", PLACED, e -> Mono.error(boom))
                .policy(TestPolicies.retryOnce("billing"))
                .build());

        publishAndClose(bus);

        SimpleSpan process = only("process order.placed");
        assertThat(process.getError()).isSameAs(boom);
        assertThat(process.getTags()).containsEntry("sluice.outcome", "dead_lettered");
        assertThat(process.getEvents()).extracting(event -> event.getValue()).containsExactly("sluice.retry");
        SimpleSpan letter = only("send order.placed");
        assertThat(letter.getParentId()).isEqualTo(process.getSpanId());
        assertThat(letter.getTags())
                .containsEntry("messaging.operation.type", "send")
                .containsEntry("messaging.consumer.group.name", "billing");
    }

    private EventBus bus(ProcessingTrace mode) {
        return EventBus.builder()
                .observationRegistry(observations)
                .processingTrace(mode)
                .build();
    }

    private static String publishAndClose(EventBus bus) {
        PublishReceipt receipt = bus.publish(PLACED, "o-1").block(Duration.ofSeconds(5));
        assertThat(receipt).isNotNull();
        StepVerifier.create(bus.whenIdle().then(bus.close(Duration.ofSeconds(5))))
                .verifyComplete();
        return receipt.eventId();
    }

    private SimpleSpan only(String name) {
        List<SimpleSpan> spans = named(name);
        assertThat(spans).as("spans named %s among %s", name, tracer.getSpans()).hasSize(1);
        return spans.get(0);
    }

    private List<SimpleSpan> named(String name) {
        return tracer.getSpans().stream().filter(s -> name.equals(s.getName())).toList();
    }
}
