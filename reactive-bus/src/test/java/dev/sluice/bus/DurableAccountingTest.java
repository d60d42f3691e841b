package dev.sluice.bus;

import static dev.sluice.bus.Until.until;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.policy.ResiliencePolicy;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Promise 1 for a durable subscriber (docs/DESIGN.md): every entry this instance read ends exactly once — delivered,
 * recovered, dead-lettered or released — and is acknowledged or released exactly once.
 */
class DurableAccountingTest {

    private final FakeTransport transport = new FakeTransport();
    private final RecordingStore store = new RecordingStore();
    private final EventBus bus =
            EventBus.builder().transport(transport).deadLetterStore(store).build();

    @Test
    void everyEntryReadEndsOnceAndTheSumsBalanceWithReleased() {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        BusMetrics.of(bus).bindTo(meters);
        List<Integer> handled = new CopyOnWriteArrayList<>();
        SubscriberHandle handle = bus.subscribe(SubscriberSpec.<Tick>builder("clock", Tick.DURABLE, e -> {
                    int seq = e.payload().seq();
                    handled.add(seq);
                    if (seq % 5 == 0) {
                        return Mono.error(new IllegalArgumentException("multiple of five")); // permanent: a letter
                    }
                    if (seq % 7 == 0) {
                        return Mono.error(new IllegalStateException("seven")); // recovered below
                    }
                    return Mono.delay(Duration.ofMillis(seq % 3));
                })
                .policy(ResiliencePolicy.builder("clock")
                        .timeout(Duration.ofSeconds(5))
                        .build())
                .fallback((e, failure) ->
                        failure.error() instanceof IllegalStateException ? Mono.empty() : Mono.error(failure.error()))
                .concurrency(3)
                .orderedByKey(true)
                .inboxSize(32)
                .build());
        FakeTransport.FakeConsumer<Tick> consumer = transport.consumer("clock");
        until("reading", () -> !consumer.rooms.isEmpty());

        Flux.range(1, 100)
                .concatMap(i -> bus.publish(Tick.DURABLE, new Tick("k" + (i % 10), i)))
                .blockLast(Until.GUARD);
        until("the first hundred settle", () -> consumer.acked.size() + consumer.released.size() == 100);
        consumer.fenced.add(2); // partition 2 moves to another instance: its entries from now on are released
        Flux.range(101, 100)
                .concatMap(i -> bus.publish(Tick.DURABLE, new Tick("k" + (i % 10), i)))
                .blockLast(Until.GUARD);
        until("all settle", () -> consumer.acked.size() + consumer.released.size() == 200);
        handle.dispose().block(Until.GUARD);

        SubscriberStats stats = handle.stats();
        assertThat(stats.balanced()).isTrue();
        assertThat(stats.offered()).isEqualTo(200);
        assertThat(stats.inFlight()).isZero();
        assertThat(stats.released()).isEqualTo(consumer.released.size()).isPositive();
        assertThat(stats.delivered() + stats.recovered() + stats.deadLettered()).isEqualTo(consumer.acked.size());
        assertThat(stats.recovered()).isPositive();
        assertThat(stats.deadLettered())
                .isEqualTo(store.letters("clock").size())
                .isPositive();
        Set<String> settledOnce = new HashSet<>(consumer.acked);
        settledOnce.addAll(consumer.released);
        assertThat(settledOnce).hasSize(200); // no entry both acknowledged and released, none twice
        assertThat(consumer.outstanding).hasValue(0);
        assertThat(meters.get("sluice.events.released")
                        .tag("subscriber", "clock")
                        .functionCounter()
                        .count())
                .isEqualTo(stats.released());
        bus.close(Until.GUARD).block(Until.GUARD);
    }

    @Test
    void aSubscriberStartingAtTheOldestEntryHandlesWhatWasPublishedBeforeIt() {
        bus.register(Tick.DURABLE);
        Flux.range(1, 3)
                .concatMap(i -> bus.publish(Tick.DURABLE, new Tick("a", i)))
                .blockLast(Until.GUARD);
        List<Integer> handled = new CopyOnWriteArrayList<>();

        SubscriberHandle handle = bus.subscribe(SubscriberSpec.<Tick>builder(
                        "clock",
                        Tick.DURABLE,
                        e -> Mono.fromRunnable(() -> handled.add(e.payload().seq())))
                .startFrom(StartPosition.OLDEST)
                .orderedByKey(true)
                .build());
        until("three handled", () -> handle.stats().delivered() == 3);

        assertThat(handled).containsExactly(1, 2, 3);
        bus.close(Until.GUARD).block(Until.GUARD);
    }
}
