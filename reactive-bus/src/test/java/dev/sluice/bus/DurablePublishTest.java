package dev.sluice.bus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;
import reactor.test.StepVerifier;

/** Publishing a durable type through the transport SPI (docs/DESIGN.md, "Durable types"). */
class DurablePublishTest {

    private final FakeTransport transport = new FakeTransport();
    private final EventBus bus = EventBus.builder().transport(transport).build();

    @Test
    void publishAppendsToTheTransportAndReceiptSaysStoredOnce() {
        bus.register(Tick.DURABLE);
        List<Event<Tick>> observed = new CopyOnWriteArrayList<>();
        bus.events(Tick.DURABLE).subscribe(observed::add);

        PublishReceipt receipt = bus.publish(Tick.DURABLE, new Tick("a", 1)).block(Until.GUARD);

        assertThat(receipt).isNotNull();
        assertThat(receipt.delivered()).isEqualTo(1);
        assertThat(receipt.overflowed()).isZero();
        List<FakeTransport.Entry<?>> entries = transport.entries(Tick.DURABLE);
        assertThat(entries).hasSize(1);
        Event<?> stored = entries.get(0).event();
        assertThat(stored).isNotNull();
        assertThat(stored.id()).isEqualTo(receipt.eventId());
        assertThat(stored.key()).isEqualTo("a");
        assertThat(stored.payload()).isEqualTo(new Tick("a", 1));
        assertThat(bus.publishedCount()).isEqualTo(1);
        assertThat(observed).extracting(Event::id).containsExactly(receipt.eventId());
    }

    @Test
    void publishAllGoesThroughAppendAllInOrder() {
        bus.register(Tick.DURABLE);

        List<PublishReceipt> receipts = bus.publishAll(
                        Tick.DURABLE, Flux.range(1, 20).map(i -> new Tick("k" + (i % 3), i)))
                .collectList()
                .block(Until.GUARD);

        assertThat(transport.appendAllCalls).hasValue(1);
        assertThat(receipts).hasSize(20).allSatisfy(r -> assertThat(r.delivered())
                .isEqualTo(1));
        assertThat(receipts).extracting(PublishReceipt::eventId).containsExactlyElementsOf(transport.appendedEventIds);
        assertThat(transport.entries(Tick.DURABLE))
                .extracting(e -> ((Tick) e.event().payload()).seq())
                .containsExactlyInAnyOrderElementsOf(
                        Flux.range(1, 20).collectList().block());
        assertThat(bus.publishedCount()).isEqualTo(20);
    }

    @Test
    void publishAllOfADurableTypeStopsAtAnInvalidPayload() {
        EventType<Tick> validated = Tick.DURABLE.withValidator(t -> t.seq() < 0 ? "seq must be >= 0" : null);
        bus.register(validated);

        StepVerifier.create(bus.publishAll(validated, Flux.just(new Tick("a", 1), new Tick("a", -1), new Tick("a", 2))))
                .expectNextCount(1)
                .expectErrorSatisfies(error -> assertThat(error)
                        .isInstanceOf(InvalidEventException.class)
                        .hasMessageContaining("seq must be >= 0"))
                .verify(Until.GUARD);
        assertThat(transport.entries(validated)).hasSize(1);
    }

    @Test
    void aFailedAppendSignalsPublishFailedException() {
        bus.register(Tick.DURABLE);
        transport.failAppends(new IllegalStateException("redis down"));

        StepVerifier.create(bus.publish(Tick.DURABLE, new Tick("a", 1)))
                .expectErrorSatisfies(error -> assertThat(error)
                        .isInstanceOf(PublishFailedException.class)
                        .hasMessageContaining("clock.ticked")
                        .hasMessageContaining("redis down"))
                .verify(Until.GUARD);
        assertThat(bus.publishedCount()).isZero();
    }

    @Test
    void readyAndPublishWaitForTheDeclaration() {
        Sinks.Empty<Void> declaration = Sinks.empty();
        transport.declareWith(declaration.asMono());
        bus.register(Tick.DURABLE);
        var ready = bus.ready().toFuture();
        var published = bus.publish(Tick.DURABLE, new Tick("a", 1)).toFuture();

        boolean readyEarly = ready.isDone();
        boolean publishedEarly = published.isDone();
        declaration.tryEmitEmpty();

        assertThat(readyEarly).isFalse();
        assertThat(publishedEarly).isFalse();
        assertThat(ready).succeedsWithin(Until.GUARD);
        assertThat(published).succeedsWithin(Until.GUARD);
        assertThat(transport.declared).containsExactly(Tick.DURABLE);
    }

    @Test
    void aFailedDeclarationIsReportedByReadyAndTriedAgain() {
        transport.declareWith(reactor.core.publisher.Mono.error(
                new IllegalStateException("event type 'clock.ticked' has 8 partitions, not 4")));
        bus.register(Tick.DURABLE);

        StepVerifier.create(bus.ready())
                .expectErrorMessage("event type 'clock.ticked' has 8 partitions, not 4")
                .verify(Until.GUARD);
        transport.declareWith(reactor.core.publisher.Mono.empty());
        StepVerifier.create(bus.ready()).expectComplete().verify(Until.GUARD);
    }

    @Test
    void readyCompletesAtOnceWithoutDurableTypes() {
        EventBus plain = EventBus.builder().build();
        plain.register(EventType.of("order.placed", String.class));

        StepVerifier.create(plain.ready()).expectComplete().verify(Duration.ofSeconds(1));
    }

    @Test
    void aDurableTypeNeedsATransport() {
        EventBus plain = EventBus.builder().build();

        assertThatThrownBy(() -> plain.register(Tick.DURABLE))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("'clock.ticked' is durable, but the bus has no transport");
    }

    @Test
    void twoRegistrationsDifferingInDurabilityAreRefused() {
        bus.register(Tick.DURABLE);
        EventType<Tick> inProcess = EventType.of("clock.ticked", Tick.class);

        assertThatThrownBy(() -> bus.register(inProcess))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("event type 'clock.ticked' is registered durable with 4 partitions, schema version 1, not"
                        + " in-process");
        assertThatThrownBy(() -> bus.register(inProcess.durable()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not durable with 16 partitions");
    }
}
