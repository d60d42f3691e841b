package dev.sluice.bus;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.policy.ResiliencePolicy;
import dev.sluice.policy.RetrySettings;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.scheduler.VirtualTimeScheduler;

/**
 * docs/DESIGN.md promise 4: per-key order, retries included; null keys unordered; a dead letter leaves the sequence.
 */
class OrderingTest {

    private static final EventType<String> PLACED = EventType.of("order.placed", String.class);
    private static final int KEYS = 4, PER_KEY = 20;

    private final VirtualTimeScheduler vts = VirtualTimeScheduler.create();
    private final RecordingStore store = new RecordingStore();
    private final EventBus bus = VirtualTimeBus.create(vts, store);

    @Test
    void sameKeyEventsAreHandledOneAtATimeInPublishOrderEvenAcrossRetries() {
        Random random = new Random(42);
        Map<String, AtomicInteger> activePerKey = new ConcurrentHashMap<>();
        Map<String, List<Integer>> attemptsPerKey = new ConcurrentHashMap<>(); // sequence numbers, one per attempt
        Map<String, List<Integer>> donePerKey = new ConcurrentHashMap<>();
        Map<String, Integer> tries = new ConcurrentHashMap<>();
        AtomicInteger overlaps = new AtomicInteger();
        AtomicInteger active = new AtomicInteger();
        AtomicInteger maxActive = new AtomicInteger();
        SubscriberHandle handle = bus.subscribe(SubscriberSpec.<String>builder("ordered", PLACED, e -> {
                    String key = e.key();
                    int seq = Integer.parseInt(e.payload().substring(e.payload().indexOf('-') + 1));
                    int attempt = tries.merge(e.payload(), 1, Integer::sum);
                    if (activePerKey
                                    .computeIfAbsent(key, k -> new AtomicInteger())
                                    .incrementAndGet()
                            > 1) {
                        overlaps.incrementAndGet();
                    }
                    maxActive.accumulateAndGet(active.incrementAndGet(), Math::max);
                    attemptsPerKey
                            .computeIfAbsent(key, k -> new CopyOnWriteArrayList<>())
                            .add(seq);
                    Mono<Void> outcome = e.payload().equals("k0-7")
                            ? Mono.error(new IllegalStateException("poison")) // permanent: dead-lettered
                            : seq % 3 == 0 && attempt == 1
                                    ? Mono.error(new IOException("flaky")) // retried
                                    : Mono.fromRunnable(() -> donePerKey
                                            .computeIfAbsent(key, k -> new CopyOnWriteArrayList<>())
                                            .add(seq));
                    return Mono.delay(Duration.ofMillis(1 + random.nextInt(5)), vts)
                            .then(outcome)
                            .doOnTerminate(() -> ended(activePerKey.get(key), active))
                            .doOnCancel(() -> ended(activePerKey.get(key), active));
                })
                .policy(ResiliencePolicy.builder("ordered")
                        .retry(RetrySettings.builder()
                                .maxAttempts(3)
                                .minBackoff(Duration.ofMillis(10))
                                .maxBackoff(Duration.ofMillis(10))
                                .jitter(0)
                                .build())
                        .scheduler(vts)
                        .build())
                .concurrency(KEYS)
                .orderedByKey(true)
                .build());

        for (int seq = 0; seq < PER_KEY; seq++) {
            for (int k = 0; k < KEYS; k++) {
                bus.publish(PLACED, "k" + k, "k" + k + "-" + seq).subscribe();
            }
        }
        vts.advanceTimeBy(Duration.ofSeconds(10));
        close();

        assertThat(overlaps).as("handlers of one key at once").hasValue(0);
        assertThat(maxActive.get()).as("keys ran side by side").isBetween(2, KEYS);
        for (int k = 0; k < KEYS; k++) {
            List<Integer> expected = new ArrayList<>();
            for (int seq = 0; seq < PER_KEY; seq++) {
                if (!(k == 0 && seq == 7)) {
                    expected.add(seq);
                }
            }
            assertThat(donePerKey.get("k" + k)).as("k" + k + " completions").isEqualTo(expected);
            assertThat(attemptsPerKey.get("k" + k)).as("k" + k + " attempts").isSorted();
        }
        assertThat(store.letters("ordered"))
                .singleElement()
                .satisfies(l -> assertThat(l.payload()).isEqualTo("k0-7"))
                .satisfies(l -> assertThat(l.reason()).isEqualTo(DeadLetterReason.PERMANENT_ERROR));
        assertThat(handle.stats()).isEqualTo(new SubscriberStats(KEYS * PER_KEY, KEYS * PER_KEY - 1, 0, 1, 0, 0));
    }

    @Test
    void nullKeysAreUnorderedWhileOneKeyWaitsItsTurn() {
        HeldHandler<String> held = new HeldHandler<>();
        bus.subscribe(SubscriberSpec.builder("ordered", PLACED, held)
                .policy(ResiliencePolicy.builder("no-timeout").scheduler(vts).build())
                .concurrency(3)
                .orderedByKey(true)
                .build());

        for (int i = 1; i <= 3; i++) {
            bus.publish(PLACED, null, "n" + i).subscribe();
        }
        int unkeyedAtOnce = held.active();
        held.releaseAll();
        for (int i = 1; i <= 3; i++) {
            bus.publish(PLACED, "a", "a" + i).subscribe();
        }
        int keyedAtOnce = held.active();
        held.releaseAll();
        close();

        assertThat(unkeyedAtOnce).isEqualTo(3);
        assertThat(keyedAtOnce).isEqualTo(1);
        assertThat(held.finished()).containsExactly("n1", "n2", "n3", "a1", "a2", "a3");
    }

    // before the signal travels on: doFinally would run only after the bus had started the key's next event
    private static void ended(AtomicInteger perKey, AtomicInteger all) {
        perKey.decrementAndGet();
        all.decrementAndGet();
    }

    private void close() {
        CompletableFuture<Void> closed = bus.close(Duration.ofSeconds(1)).toFuture();
        vts.advanceTimeBy(Duration.ofSeconds(2));
        assertThat(closed).isCompleted();
    }
}
