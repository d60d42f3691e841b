package dev.sluice.bus;

import static dev.sluice.bus.Until.until;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Dispose and close of a durable subscriber (docs/DESIGN.md promise 7): in-flight handlers finish within the grace,
 * the rest is released (never a SHUTDOWN or UNSUBSCRIBED letter), then the consumer is closed.
 */
class DurableShutdownTest {

    private final FakeTransport transport = new FakeTransport();
    private final RecordingStore store = new RecordingStore();
    private final EventBus bus =
            EventBus.builder().transport(transport).deadLetterStore(store).build();

    private void publish(int count) {
        Flux.range(1, count)
                .concatMap(i -> bus.publish(Tick.DURABLE, new Tick("k" + i, i)))
                .blockLast(Until.GUARD);
    }

    @Test
    void disposeLetsTheHandlerFinishAndReleasesWhatWaits() {
        HeldHandler<Tick> held = new HeldHandler<>();
        SubscriberHandle handle = bus.subscribe(SubscriberSpec.builder("clock", Tick.DURABLE, held)
                .disposeGrace(Duration.ofSeconds(30))
                .build());
        FakeTransport.FakeConsumer<Tick> consumer = transport.consumer("clock");
        until("reading", () -> !consumer.rooms.isEmpty());
        publish(5);
        until("one runs, all are read", () -> held.active() == 1 && consumer.outstanding.get() == 5);

        var disposed = handle.dispose().toFuture();
        until("the waiting four are released", () -> consumer.released.size() == 4);
        boolean disposedEarly = disposed.isDone();
        held.releaseNext();

        assertThat(disposedEarly).isFalse();
        assertThat(disposed).succeedsWithin(Until.GUARD);
        assertThat(held.started()).hasSize(1);
        assertThat(consumer.acked).hasSize(1);
        assertThat(consumer.closed).isTrue();
        assertThat(store.letters("clock")).isEmpty();
        assertThat(handle.stats()).isEqualTo(new SubscriberStats(5, 1, 0, 0, 0, 4, 0));
        assertThat(handle.stats().balanced()).isTrue();
        assertThat(transport.journal).last().isEqualTo("close:clock");
    }

    @Test
    void disposeCancelsAHandlerPastTheGraceAndReleasesItsEntry() {
        HeldHandler<Tick> held = new HeldHandler<>();
        SubscriberHandle handle = bus.subscribe(SubscriberSpec.builder("clock", Tick.DURABLE, held)
                .disposeGrace(Duration.ofMillis(50))
                .build());
        FakeTransport.FakeConsumer<Tick> consumer = transport.consumer("clock");
        until("reading", () -> !consumer.rooms.isEmpty());
        publish(3);
        until("one runs", () -> held.active() == 1);

        handle.dispose().block(Until.GUARD);

        assertThat(consumer.released).hasSize(3);
        assertThat(consumer.acked).isEmpty();
        assertThat(held.active()).isZero(); // cancelled
        assertThat(store.letters("clock")).isEmpty();
        assertThat(handle.stats()).isEqualTo(new SubscriberStats(3, 0, 0, 0, 0, 3, 0));
        assertThat(consumer.closed).isTrue();
    }

    @Test
    void closeFinishesInFlightWorkWithinTheTimeoutAndReleasesTheRest() {
        HeldHandler<Tick> held = new HeldHandler<>();
        SubscriberHandle handle = bus.subscribe(SubscriberSpec.builder("clock", Tick.DURABLE, held)
                .concurrency(2)
                .build());
        FakeTransport.FakeConsumer<Tick> consumer = transport.consumer("clock");
        until("reading", () -> !consumer.rooms.isEmpty());
        publish(6);
        until("two run, all are read", () -> held.active() == 2 && consumer.outstanding.get() == 6);

        var closed = bus.close(Duration.ofSeconds(30)).toFuture();
        until("the waiting four are released", () -> consumer.released.size() == 4);
        held.releaseNext();
        held.releaseNext();

        assertThat(closed).succeedsWithin(Until.GUARD);
        assertThat(consumer.acked).hasSize(2);
        assertThat(store.reasons("clock")).isEmpty();
        assertThat(handle.stats()).isEqualTo(new SubscriberStats(6, 2, 0, 0, 0, 4, 0));
        assertThat(consumer.closed).isTrue();
    }

    @Test
    void anAcknowledgementStillFailingWhenTheGraceEndsIsReleased() {
        SubscriberHandle handle = bus.subscribe(SubscriberSpec.<Tick>builder("clock", Tick.DURABLE, e -> Mono.empty())
                .disposeGrace(Duration.ofMillis(100))
                .build());
        FakeTransport.FakeConsumer<Tick> consumer = transport.consumer("clock");
        until("reading", () -> !consumer.rooms.isEmpty());
        consumer.ackFailures.set(Integer.MAX_VALUE);
        publish(1);
        until("handled, ack retrying", () -> handle.stats().offered() == 1);

        handle.dispose().block(Until.GUARD);

        assertThat(consumer.acked).isEmpty();
        assertThat(consumer.released).hasSize(1);
        assertThat(handle.stats()).isEqualTo(new SubscriberStats(1, 0, 0, 0, 0, 1, 0));
    }
}
