package dev.sluice.bus;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.policy.ResiliencePolicy;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

/** Many threads publish at once (Netty event loops do): no FAIL_NON_SERIALIZED, nothing lost, exact accounting. */
class ConcurrentPublishersTest {

    private static final EventType<String> PLACED = EventType.of("order.placed", String.class);
    private static final int THREADS = 8, PER_THREAD = 2_500, EVENTS = THREADS * PER_THREAD;

    private final Scheduler publishers = Schedulers.newParallel("publisher", THREADS);
    private final RecordingStore store = new RecordingStore();
    private final EventBus bus = EventBus.builder().deadLetterStore(store).build();
    private final ResiliencePolicy policy = ResiliencePolicy.builder("concurrent")
            .timeout(Duration.ofSeconds(30))
            .build();

    @AfterEach
    void stopPublishers() {
        publishers.dispose();
    }

    @Test
    void eightThreadsPublishingAtOnceLoseNothingAndAccountExactly() {
        Set<String> handledBySync = ConcurrentHashMap.newKeySet();
        Set<String> handledByAsync = ConcurrentHashMap.newKeySet();
        Set<String> handledByLossy = ConcurrentHashMap.newKeySet();
        SubscriberHandle sync = bus.subscribe(SubscriberSpec.<String>builder(
                        "sync",
                        PLACED,
                        e -> e.payload().endsWith("7")
                                ? Mono.error(new IllegalStateException("unlucky"))
                                : Mono.fromRunnable(() -> handledBySync.add(e.payload())))
                .policy(policy)
                .concurrency(4)
                .inboxSize(64)
                .maxPublishWait(Duration.ofSeconds(20))
                .build());
        SubscriberHandle async = bus.subscribe(SubscriberSpec.<String>builder(
                        "async", PLACED, e -> Mono.fromRunnable(() -> handledByAsync.add(e.payload()))
                                .subscribeOn(Schedulers.parallel()))
                .policy(policy)
                .concurrency(2)
                .inboxSize(32)
                .maxPublishWait(Duration.ofSeconds(20))
                .build());
        SubscriberHandle lossy = bus.subscribe(SubscriberSpec.<String>builder(
                        "lossy", PLACED, e -> Mono.fromRunnable(() -> handledByLossy.add(e.payload()))
                                .subscribeOn(Schedulers.parallel()))
                .policy(policy)
                .inboxSize(16)
                .overflow(OverflowPolicy.DEAD_LETTER)
                .build());

        Flux<PublishReceipt> receipts = Flux.range(0, THREADS)
                .flatMap(
                        thread -> bus.publishAll(
                                        PLACED, Flux.range(0, PER_THREAD).map(i -> thread + "-" + i))
                                .subscribeOn(publishers), // each publishAll starts on its own publisher thread
                        THREADS);
        StepVerifier.create(receipts).expectNextCount(EVENTS).expectComplete().verify(Duration.ofSeconds(30));
        StepVerifier.create(bus.close(Duration.ofSeconds(20))).expectComplete().verify(Duration.ofSeconds(30));

        long unlucky = EVENTS / 10;
        assertThat(sync.stats()).isEqualTo(new SubscriberStats(EVENTS, EVENTS - unlucky, 0, unlucky, 0, 0));
        assertThat(handledBySync).hasSize(EVENTS - (int) unlucky);
        assertThat(store.reasons("sync")).containsOnly(java.util.Map.entry(DeadLetterReason.PERMANENT_ERROR, unlucky));
        assertThat(async.stats()).isEqualTo(new SubscriberStats(EVENTS, EVENTS, 0, 0, 0, 0));
        assertThat(handledByAsync).hasSize(EVENTS);
        SubscriberStats lossyStats = lossy.stats();
        assertThat(lossyStats.balanced()).isTrue();
        assertThat(lossyStats.inFlight()).isZero();
        assertThat(lossyStats.delivered()).isEqualTo(handledByLossy.size());
        Set<Object> lossyLetters = ConcurrentHashMap.newKeySet();
        store.letters("lossy").forEach(letter -> lossyLetters.add(letter.payload()));
        assertThat(lossyLetters).hasSize((int) lossyStats.deadLettered()).doesNotContainAnyElementsOf(handledByLossy);
        assertThat(lossyLetters.size() + handledByLossy.size())
                .as("every event handled or a letter")
                .isEqualTo(EVENTS);
    }
}
