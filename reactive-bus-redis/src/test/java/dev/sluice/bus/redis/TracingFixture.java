package dev.sluice.bus.redis;

import dev.sluice.bus.tracing.LinkingReceiverTracingObservationHandler;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.tracing.handler.DefaultTracingObservationHandler;
import io.micrometer.tracing.handler.PropagatingSenderTracingObservationHandler;
import io.micrometer.tracing.otel.bridge.ArrayListSpanProcessor;
import io.micrometer.tracing.otel.bridge.OtelCurrentTraceContext;
import io.micrometer.tracing.otel.bridge.OtelPropagator;
import io.micrometer.tracing.otel.bridge.OtelTracer;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.util.List;

/**
 * Micrometer Tracing's OpenTelemetry bridge with the W3C propagator, wired as Spring Boot wires it (propagating sender,
 * receiver, default handler, first match), the receiver being the bus's {@link
 * LinkingReceiverTracingObservationHandler}; every finished span is kept, as one collector would keep every instance's.
 */
final class TracingFixture implements AutoCloseable {

    private final ArrayListSpanProcessor spans = new ArrayListSpanProcessor();
    private final SdkTracerProvider provider = SdkTracerProvider.builder()
            .setSampler(Sampler.alwaysOn())
            .addSpanProcessor(spans)
            .build();
    private final Tracer otel = provider.get("sluice-test");

    /** Return a new observation registry (one per instance) whose observations become spans of this tracer. */
    ObservationRegistry registry() {
        OtelTracer tracer = new OtelTracer(otel, new OtelCurrentTraceContext(), event -> {});
        OtelPropagator propagator =
                new OtelPropagator(ContextPropagators.create(W3CTraceContextPropagator.getInstance()), otel);
        ObservationRegistry registry = ObservationRegistry.create();
        registry.observationConfig()
                .observationHandler(new ObservationHandler.FirstMatchingCompositeObservationHandler(
                        new PropagatingSenderTracingObservationHandler<>(tracer, propagator),
                        new LinkingReceiverTracingObservationHandler(tracer, propagator),
                        new DefaultTracingObservationHandler(tracer)));
        return registry;
    }

    /** Return the finished spans named {@code name}, in the order they ended. */
    List<SpanData> named(String name) {
        return spans.spans().stream().filter(s -> name.equals(s.getName())).toList();
    }

    /** Return the W3C {@code traceparent} of {@code span}, as the propagator writes it. */
    static String traceparent(SpanData span) {
        return "00-" + span.getTraceId() + "-" + span.getSpanId() + "-"
                + span.getSpanContext().getTraceFlags().asHex();
    }

    @Override
    public void close() {
        provider.close();
    }
}
