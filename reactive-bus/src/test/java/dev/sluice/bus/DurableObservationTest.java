package dev.sluice.bus;

import static dev.sluice.bus.Until.until;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.common.KeyValue;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.tck.TestObservationRegistry;
import io.micrometer.observation.transport.SenderContext;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;
import reactor.util.context.Context;

/**
 * Issue 16, steps 2 and 3 for a durable type: the publish's trace context and the correlation id travel in the event's
 * headers (all a transport keeps), a durable handling is observed, and its dead letter adds the trace it failed under.
 * A stand-in for a tracing bridge writes {@code traceparent} into every sender's carrier.
 */
class DurableObservationTest {

    private final FakeTransport transport = new FakeTransport();
    private final TestObservationRegistry observations = TestObservationRegistry.create();
    private final Queue<Observation.Context> stopped = new ConcurrentLinkedQueue<>();
    private final InMemoryDeadLetterStore store = InMemoryDeadLetterStore.create();
    private final EventBus bus = EventBus.builder()
            .transport(transport)
            .deadLetterStore(store)
            .observationRegistry(observations)
            .build();

    DurableObservationTest() {
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
            public boolean supportsContext(Observation.Context context) {
                return true;
            }
        });
    }

    @AfterEach
    void close() {
        bus.close(Until.GUARD).block(Until.GUARD);
    }

    @Test
    void aDurableEventCarriesItsTraceAndCorrelationInItsHeadersAndItsHandlingIsObserved() {
        List<Event<Tick>> handled = new CopyOnWriteArrayList<>();
        List<Object> correlation = new CopyOnWriteArrayList<>();
        bus.subscribe(SubscriberSpec.<Tick>builder(
                        "clock",
                        Tick.DURABLE,
                        e -> Mono.deferContextual(context -> {
                            handled.add(e);
                            correlation.add(context.getOrDefault(Event.CORRELATION_ID, "none"));
                            return Mono.empty();
                        }))
                .build());
        FakeTransport.FakeConsumer<Tick> consumer = transport.consumer("clock");
        until("the consumer reads", () -> !consumer.rooms.isEmpty());

        bus.publish(Tick.DURABLE, new Tick("a", 1))
                .contextWrite(Context.of(Event.CORRELATION_ID, "c-1"))
                .block(Until.GUARD);
        until("acked", () -> consumer.acked.size() == 1);
        until("observed", () -> named("sluice.process").size() == 1);

        assertThat(handled).singleElement().satisfies(e -> assertThat(e.headers())
                .containsEntry("traceparent", "sluice.publish-1")
                .containsEntry(Event.CORRELATION_ID, "c-1"));
        assertThat(correlation).containsExactly("c-1"); // from the headers: all a durable event keeps
        assertThat(named("sluice.process").get(0).getLowCardinalityKeyValues())
                .contains(
                        KeyValue.of("messaging.destination.name", "clock.ticked"),
                        KeyValue.of("messaging.consumer.group.name", "clock"),
                        KeyValue.of("sluice.outcome", "delivered"));
    }

    @Test
    void aDurableDeadLetterKeepsTheEventsTraceparentAndAddsTheFailedOne() {
        bus.subscribe(
                SubscriberSpec.<Tick>builder("clock", Tick.DURABLE, e -> Mono.error(new IllegalStateException("boom")))
                        .build());
        FakeTransport.FakeConsumer<Tick> consumer = transport.consumer("clock");
        until("the consumer reads", () -> !consumer.rooms.isEmpty());

        bus.publish(Tick.DURABLE, new Tick("a", 1)).block(Until.GUARD);
        until("acked", () -> consumer.acked.size() == 1);

        DeadLetter letter = store.list(DeadLetterQuery.of("clock")).blockFirst(Until.GUARD);
        assertThat(letter).isNotNull();
        assertThat(letter.headers())
                .containsEntry("traceparent", "sluice.publish-1")
                .containsEntry("failed_traceparent", "sluice.dead.letter-2");
        until("observed", () -> named("sluice.process").size() == 1);
        assertThat(named("sluice.process").get(0).getError()).isInstanceOf(IllegalStateException.class);
    }

    // regression: publishAll of a durable type appended its events unobserved, without a traceparent
    @Test
    void publishAllObservesEachEventItAppendsAndWritesItsTraceIntoItsHeaders() {
        bus.register(Tick.DURABLE);

        List<PublishReceipt> receipts = bus.publishAll(Tick.DURABLE, Flux.just(new Tick("a", 1), new Tick("b", 1)))
                .contextWrite(Context.of(Event.CORRELATION_ID, "c-1"))
                .collectList()
                .block(Until.GUARD);

        assertThat(receipts).hasSize(2);
        List<Observation.Context> publishes = named("sluice.publish");
        assertThat(publishes)
                .extracting(c ->
                        c.getHighCardinalityKeyValue("messaging.message.id").getValue())
                .containsExactlyInAnyOrderElementsOf(
                        receipts.stream().map(PublishReceipt::eventId).toList());
        assertThat(publishes).allSatisfy(c -> assertThat(c.getLowCardinalityKeyValues())
                .contains(
                        KeyValue.of("messaging.destination.name", "clock.ticked"),
                        KeyValue.of("messaging.operation.type", "publish")));
        assertThat(transport.entries(Tick.DURABLE))
                .extracting(entry -> entry.event().headers())
                .containsExactlyInAnyOrder(
                        Map.of("traceparent", "sluice.publish-1", Event.CORRELATION_ID, "c-1"),
                        Map.of("traceparent", "sluice.publish-2", Event.CORRELATION_ID, "c-1"));
    }

    @Test
    void aFailedPublishAllStopsTheObservationsOfItsUnacknowledgedEventsWithTheError() {
        bus.register(Tick.DURABLE);
        transport.failAppends(new IllegalStateException("down"));

        StepVerifier.create(bus.publishAll(Tick.DURABLE, Flux.just(new Tick("a", 1))))
                .expectError(PublishFailedException.class)
                .verify(Until.GUARD);

        assertThat(named("sluice.publish")).singleElement().satisfies(c -> assertThat(c.getError())
                .isInstanceOf(PublishFailedException.class));
    }

    private List<Observation.Context> named(String name) {
        return stopped.stream().filter(c -> name.equals(c.getName())).toList();
    }
}
