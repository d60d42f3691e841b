package dev.sluice.bus;

import static dev.sluice.bus.Until.until;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.bus.spi.Undecodable;
import dev.sluice.policy.ResiliencePolicy;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** A durable subscriber on the transport SPI (docs/DESIGN.md, "Durable types"; docs/BUS.md, "Durable subscribers"). */
class DurableSubscriberTest {

    private final FakeTransport transport = new FakeTransport();
    private final RecordingStore store = new RecordingStore() {
        @Override
        public Mono<Void> writeToStore(DeadLetter letter, @Nullable Instant redriveAt) {
            return super.writeToStore(letter, redriveAt)
                    .doOnSuccess(ok -> transport.journal.add("letter:" + letter.letterId()));
        }
    };
    private final EventBus bus =
            EventBus.builder().transport(transport).deadLetterStore(store).build();

    @AfterEach
    void close() {
        bus.close(Until.GUARD).block(Until.GUARD);
    }

    private static Tick tick(String key, int seq) {
        return new Tick(key, seq);
    }

    private void publish(Tick... ticks) {
        Flux.fromArray(ticks).concatMap(t -> bus.publish(Tick.DURABLE, t)).blockLast(Until.GUARD);
    }

    private FakeTransport.FakeConsumer<Tick> consumer(String name) {
        FakeTransport.FakeConsumer<Tick> consumer = transport.consumer(name);
        until("the consumer of " + name + " reads", () -> !consumer.rooms.isEmpty());
        return consumer;
    }

    @Test
    void handlesWhatWasPublishedAndAcknowledgesIt() {
        List<Tick> handled = new CopyOnWriteArrayList<>();
        SubscriberHandle handle = bus.subscribe(SubscriberSpec.<Tick>builder(
                        "clock", Tick.DURABLE, e -> Mono.fromRunnable(() -> handled.add(e.payload())))
                .build());
        FakeTransport.FakeConsumer<Tick> consumer = consumer("clock");

        publish(tick("a", 1), tick("b", 1), tick("a", 2));
        until("three acked", () -> consumer.acked.size() == 3);

        assertThat(handled).containsExactlyInAnyOrder(tick("a", 1), tick("b", 1), tick("a", 2));
        assertThat(consumer.spec.subscriber()).isEqualTo("clock");
        assertThat(consumer.spec.start()).isEqualTo(StartPosition.NEWEST);
        assertThat(consumer.spec.worstCaseAttempt()).isEqualTo(Duration.ofSeconds(30)); // the default policy
        until("stats settle", () -> handle.stats().inFlight() == 0);
        assertThat(handle.stats()).isEqualTo(new SubscriberStats(3, 3, 0, 0, 0, 0, 0));
    }

    @Test
    void acknowledgesOnlyAfterTheOutcome() {
        HeldHandler<Tick> held = new HeldHandler<>();
        bus.subscribe(SubscriberSpec.builder("clock", Tick.DURABLE, held).build());
        FakeTransport.FakeConsumer<Tick> consumer = consumer("clock");

        publish(tick("a", 1));
        until("the handler runs", () -> held.active() == 1);
        List<String> ackedWhileHeld = List.copyOf(consumer.acked);
        held.releaseNext();
        until("acked", () -> consumer.acked.size() == 1);

        assertThat(ackedWhileHeld).isEmpty();
    }

    @Test
    void acknowledgesADeadLetteredEntryOnlyOnceItsLetterIsInTheStore() {
        SubscriberHandle handle = bus.subscribe(SubscriberSpec.<Tick>builder(
                        "clock", Tick.DURABLE, e -> Mono.error(new IllegalArgumentException("bad tick")))
                .build());
        FakeTransport.FakeConsumer<Tick> consumer = consumer("clock");

        publish(tick("a", 1));
        until("acked", () -> consumer.acked.size() == 1);

        DeadLetter letter = store.letters("clock").get(0);
        String entryId = consumer.acked.get(0);
        List<String> journal = List.copyOf(transport.journal);
        assertThat(journal.indexOf("letter:" + letter.letterId())).isLessThan(journal.indexOf("ack:" + entryId));
        assertThat(letter.reason()).isEqualTo(DeadLetterReason.PERMANENT_ERROR);
        until("stats settle", () -> handle.stats().inFlight() == 0);
        assertThat(handle.stats()).isEqualTo(new SubscriberStats(1, 0, 0, 1, 0, 0, 0));
    }

    @Test
    void retriesAnAcknowledgementTheTransportCouldNotTake() {
        SubscriberHandle handle = bus.subscribe(SubscriberSpec.<Tick>builder("clock", Tick.DURABLE, e -> Mono.empty())
                .build());
        FakeTransport.FakeConsumer<Tick> consumer = consumer("clock");
        consumer.ackFailures.set(2);

        publish(tick("a", 1));
        until("acked", () -> consumer.acked.size() == 1);

        until("stats settle", () -> handle.stats().inFlight() == 0);
        assertThat(handle.stats()).isEqualTo(new SubscriberStats(1, 1, 0, 0, 0, 0, 0));
    }

    @Test
    void keepsTheOrderOfEachKey() {
        int keys = 8;
        int perKey = 40;
        Map<String, List<Integer>> seen = new ConcurrentHashMap<>();
        Map<String, AtomicInteger> running = new ConcurrentHashMap<>();
        AtomicInteger overlaps = new AtomicInteger();
        bus.subscribe(SubscriberSpec.<Tick>builder("clock", Tick.DURABLE, e -> {
                    Tick t = e.payload();
                    AtomicInteger mine = running.computeIfAbsent(t.key(), k -> new AtomicInteger());
                    if (mine.incrementAndGet() > 1) {
                        overlaps.incrementAndGet();
                    }
                    return Mono.delay(Duration.ofMillis(
                                    ThreadLocalRandom.current().nextInt(2)))
                            .doOnNext(x -> {
                                seen.computeIfAbsent(t.key(), k -> new CopyOnWriteArrayList<>())
                                        .add(t.seq());
                                mine.decrementAndGet();
                            });
                })
                .concurrency(4)
                .orderedByKey(true)
                .inboxSize(16)
                .build());
        FakeTransport.FakeConsumer<Tick> consumer = consumer("clock");
        List<Tick> ticks = new ArrayList<>();
        for (int seq = 1; seq <= perKey; seq++) {
            for (int k = 0; k < keys; k++) {
                ticks.add(tick("k" + k, seq));
            }
        }

        publish(ticks.toArray(Tick[]::new));
        until("all acked", () -> consumer.acked.size() == keys * perKey);

        assertThat(overlaps).hasValue(0);
        assertThat(seen).hasSize(keys).allSatisfy((key, seqs) -> assertThat(seqs)
                .containsExactlyElementsOf(Flux.range(1, perKey).collectList().block()));
    }

    @Test
    void neverReadsMoreThanTheFreeInboxSlots() {
        HeldHandler<Tick> held = new HeldHandler<>();
        SubscriberHandle handle = bus.subscribe(SubscriberSpec.builder("clock", Tick.DURABLE, held)
                .concurrency(2)
                .inboxSize(8)
                .build());
        FakeTransport.FakeConsumer<Tick> consumer = consumer("clock");
        consumer.inboxSize = 8;

        for (int i = 1; i <= 30; i++) {
            publish(tick("k" + i, 1));
        }
        until("two handlers run and the inbox is full", () -> held.active() == 2 && consumer.outstanding.get() == 8);
        List<Integer> roomsWhileFull = List.copyOf(consumer.rooms);
        until("all handled", () -> {
            held.releaseAll();
            return consumer.acked.size() == 30;
        });

        assertThat(consumer.overread).isFalse();
        assertThat(consumer.mostOutstanding).hasValueLessThanOrEqualTo(8);
        assertThat(roomsWhileFull).allSatisfy(room -> assertThat(room).isBetween(1, 8));
        until("stats settle", () -> handle.stats().inFlight() == 0);
        assertThat(handle.stats()).isEqualTo(new SubscriberStats(30, 30, 0, 0, 0, 0, 0));
    }

    @Test
    void anEntryItMayNotStartIsReleasedAndNeverHandled() {
        List<Tick> handled = new CopyOnWriteArrayList<>();
        SubscriberHandle handle = bus.subscribe(SubscriberSpec.<Tick>builder(
                        "clock", Tick.DURABLE, e -> Mono.fromRunnable(() -> handled.add(e.payload())))
                .build());
        FakeTransport.FakeConsumer<Tick> consumer = consumer("clock");
        for (int p = 0; p < 4; p++) {
            consumer.fenced.add(p); // another instance owns every partition now
        }

        publish(tick("a", 1), tick("b", 1));
        until("both released", () -> consumer.released.size() == 2);

        assertThat(handled).isEmpty();
        assertThat(consumer.acked).isEmpty();
        until("stats settle", () -> handle.stats().inFlight() == 0);
        assertThat(handle.stats()).isEqualTo(new SubscriberStats(2, 0, 0, 0, 0, 2, 0));
        assertThat(store.letters("clock")).isEmpty();
    }

    @Test
    void entriesWaitingForTheirKeyAreReleasedOnceThePartitionIsFenced() {
        HeldHandler<Tick> held = new HeldHandler<>();
        SubscriberHandle handle = bus.subscribe(SubscriberSpec.builder("clock", Tick.DURABLE, held)
                .concurrency(3)
                .orderedByKey(true)
                .build());
        FakeTransport.FakeConsumer<Tick> consumer = consumer("clock");
        publish(tick("a", 1), tick("a", 2), tick("a", 3));
        until("a1 runs, a2 and a3 wait for it", () -> held.active() == 1 && consumer.outstanding.get() == 3);

        for (int p = 0; p < 4; p++) {
            consumer.fenced.add(p); // the lease is lost while a1 runs
        }
        held.releaseNext();
        until("a1 acked, the rest released", () -> consumer.acked.size() == 1 && consumer.released.size() == 2);

        assertThat(held.started()).containsExactly(tick("a", 1));
        until("stats settle", () -> handle.stats().inFlight() == 0);
        assertThat(handle.stats()).isEqualTo(new SubscriberStats(3, 1, 0, 0, 0, 2, 0));
    }

    @Test
    void anEntryPastTheDeliveryLimitBecomesADeliveryLimitLetterWithoutCallingTheHandler() {
        List<Tick> handled = new CopyOnWriteArrayList<>();
        SubscriberHandle handle = bus.subscribe(SubscriberSpec.<Tick>builder(
                        "clock", Tick.DURABLE, e -> Mono.fromRunnable(() -> handled.add(e.payload())))
                .deliveryLimit(3)
                .build());
        FakeTransport.FakeConsumer<Tick> consumer = consumer("clock");

        transport.add(Tick.DURABLE, entry(tick("a", 1), 3)); // at the limit: handled
        transport.add(Tick.DURABLE, entry(tick("a", 2), 4)); // past it: a letter
        until("both acked", () -> consumer.acked.size() == 2);

        assertThat(handled).containsExactly(tick("a", 1));
        assertThat(store.letters("clock")).singleElement().satisfies(letter -> {
            assertThat(letter.reason()).isEqualTo(DeadLetterReason.DELIVERY_LIMIT);
            assertThat(letter.payload()).isEqualTo(tick("a", 2));
        });
        until("stats settle", () -> handle.stats().inFlight() == 0);
        assertThat(handle.stats()).isEqualTo(new SubscriberStats(2, 1, 0, 1, 0, 0, 0));
    }

    @Test
    void anUndecodableEntryBecomesADeserializationFailedLetterWithItsRawPayload() {
        List<Tick> handled = new CopyOnWriteArrayList<>();
        SubscriberHandle handle = bus.subscribe(SubscriberSpec.<Tick>builder(
                        "clock", Tick.DURABLE, e -> Mono.fromRunnable(() -> handled.add(e.payload())))
                .build());
        FakeTransport.FakeConsumer<Tick> consumer = consumer("clock");
        Undecodable raw = new Undecodable(
                "0190-evt",
                "clock.ticked",
                "a",
                "{\"key\":\"a\",\"seq\":\"not a number\"}",
                Map.of("correlation-id", "c-1"),
                Instant.parse("2026-12-01T20:00:00Z"),
                new IllegalArgumentException("seq: not an int"));

        transport.add(Tick.DURABLE, new FakeTransport.Entry<Tick>(1, transport.nextId(), null, raw, 0));
        until("acked", () -> consumer.acked.size() == 1);

        assertThat(handled).isEmpty();
        assertThat(store.letters("clock")).singleElement().satisfies(letter -> {
            assertThat(letter.reason()).isEqualTo(DeadLetterReason.DESERIALIZATION_FAILED);
            assertThat(letter.payload()).isEqualTo("{\"key\":\"a\",\"seq\":\"not a number\"}");
            assertThat(letter.eventId()).isEqualTo("0190-evt");
            assertThat(letter.eventKey()).isEqualTo("a");
            assertThat(letter.headers()).containsEntry("correlation-id", "c-1");
            assertThat(letter.errorMessage()).isEqualTo("seq: not an int");
        });
        until("stats settle", () -> handle.stats().inFlight() == 0);
        assertThat(handle.stats()).isEqualTo(new SubscriberStats(1, 0, 0, 1, 0, 0, 0));
    }

    @Test
    void theSameEntryLettersUnderTheSameIdEachTime() {
        bus.subscribe(SubscriberSpec.<Tick>builder(
                        "clock", Tick.DURABLE, e -> Mono.error(new IllegalArgumentException("bad tick")))
                .build());
        FakeTransport.FakeConsumer<Tick> consumer = consumer("clock");
        FakeTransport.Entry<Tick> entry = entry(tick("a", 1), 0);

        transport.add(Tick.DURABLE, entry);
        transport.add(Tick.DURABLE, entry); // delivered again: as after a crash between its letter and its ack
        until("both acked", () -> consumer.acked.size() == 2);

        assertThat(store.letters("clock")).hasSize(2);
        assertThat(store.letters("clock"))
                .extracting(DeadLetter::letterId)
                .containsOnly(store.letters("clock").get(0).letterId());
        assertThat(store.count(DeadLetterQuery.of("clock")).block(Until.GUARD)).isEqualTo(1);
    }

    @Test
    void aFallbackRecoversADurableEntry() {
        SubscriberHandle handle = bus.subscribe(
                SubscriberSpec.<Tick>builder("clock", Tick.DURABLE, e -> Mono.error(new IllegalStateException("down")))
                        .policy(ResiliencePolicy.builder("short")
                                .timeout(Duration.ofSeconds(1))
                                .build())
                        .fallback((e, failure) -> Mono.empty())
                        .build());
        FakeTransport.FakeConsumer<Tick> consumer = consumer("clock");

        publish(tick("a", 1));
        until("acked", () -> consumer.acked.size() == 1);

        until("stats settle", () -> handle.stats().inFlight() == 0);
        assertThat(handle.stats()).isEqualTo(new SubscriberStats(1, 0, 1, 0, 0, 0, 0));
    }

    @Test
    void foldsTheConsumersHealthIn() {
        SubscriberHandle handle = bus.subscribe(SubscriberSpec.<Tick>builder("clock", Tick.DURABLE, e -> Mono.empty())
                .build());
        FakeTransport.FakeConsumer<Tick> consumer = consumer("clock");

        consumer.health = new SubscriberHealth(SubscriberHealth.Status.DEGRADED, "lag 5000 > 1000");

        assertThat(handle.health().status()).isEqualTo(SubscriberHealth.Status.DEGRADED);
        assertThat(handle.health().reason()).contains("lag 5000 > 1000");
        assertThat(bus.health().reason()).contains("clock").contains("lag 5000 > 1000");
    }

    private FakeTransport.Entry<Tick> entry(Tick payload, int deliveryFailures) {
        Event<Tick> event = new Event<>(
                "evt-" + payload.key() + "-" + payload.seq(),
                Tick.DURABLE,
                payload.key(),
                payload,
                Map.of(),
                Instant.parse("2026-12-01T20:00:00Z"));
        return new FakeTransport.Entry<>(0, transport.nextId(), event, null, deliveryFailures);
    }
}
