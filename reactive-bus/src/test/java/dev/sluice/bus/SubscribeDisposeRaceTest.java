package dev.sluice.bus;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Hooks;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Subscribers come and go while four threads publish (DESIGN.md promises 1 and 7). Guards against the race fixed in
 * eb368fe: a publish holding a stale subscriber array counted an event after dispose's final check saw none in flight,
 * so dispose completed and the subscriber's accounting changed afterwards. Also guards against a dispose that hung for
 * ever because its grace period rested on one timer signal that sometimes never came (hanging rounds), and against
 * parked {@code BACKPRESSURE} publishes that dispose never woke, because concurrent wake-ups corrupted the inbox's
 * single-consumer waiter queue (they waited out {@code maxPublishWait} and became {@code INBOX_OVERFLOW}).
 */
class SubscribeDisposeRaceTest {

    private static final EventType<String> PLACED = EventType.of("order.placed", String.class);
    private static final int THREADS = 4, ROUNDS = 50, HELD_PER_ROUND = 3;
    private static final Duration HANG_GUARD = Duration.ofSeconds(30); // not a timing assertion: fail, don't wedge
    // far longer than a round: a BACKPRESSURE publish that waits this long was never woken (by the drain or dispose)
    private static final Duration PUBLISH_WAIT = Duration.ofSeconds(10);

    private final Scheduler publishers = Schedulers.newParallel("publisher", THREADS);
    private final RecordingStore store = new RecordingStore();
    private final EventBus bus = EventBus.builder().deadLetterStore(store).build();
    private final Queue<Throwable> escaped = new ConcurrentLinkedQueue<>();

    SubscribeDisposeRaceTest() {
        Hooks.onErrorDropped(escaped::add);
    }

    @AfterEach
    void stop() {
        Hooks.resetOnErrorDropped();
        publishers.dispose();
    }

    @Test
    void subscribersAddedAndDisposedUnderFourPublishingThreadsGiveEveryEventExactlyOneOutcome() {
        Set<String> steadyHandled = ConcurrentHashMap.newKeySet();
        SubscriberHandle steady = bus.subscribe(SubscriberSpec.<String>builder(
                        "steady", PLACED, e -> Mono.fromRunnable(() -> steadyHandled.add(e.payload())))
                // a lost wake-up shows as an INBOX_OVERFLOW letter here (a stats mismatch), not as stalled publishers
                .maxPublishWait(PUBLISH_WAIT)
                .build());
        AtomicBoolean stopPublishing = new AtomicBoolean();
        Mono<Long> published = Flux.range(0, THREADS)
                .flatMap(
                        thread -> bus.publishAll(PLACED, Flux.<String, Integer>generate(() -> 0, (i, sink) -> {
                                    if (stopPublishing.get()) {
                                        sink.complete();
                                    } else {
                                        sink.next(thread + "-" + i);
                                    }
                                    return i + 1;
                                }))
                                .subscribeOn(publishers),
                        THREADS)
                .count()
                .cache();
        published.subscribe();

        Map<SubscriberHandle, SubscriberStats> atDispose = new LinkedHashMap<>();
        Set<SubscriberHandle> hung = new HashSet<>();
        Set<SubscriberHandle> backpressured = new HashSet<>();
        for (int round = 0; round < ROUNDS; round++) {
            // odd rounds hang every event (one in the handler, the rest in the inbox); even rounds deliver
            boolean hanging = round % 2 == 1;
            // DEAD_LETTER: a full inbox refuses at once (INBOX_OVERFLOW); BACKPRESSURE: publishes park until room or
            // dispose, which must wake them (UNSUBSCRIBED), long before PUBLISH_WAIT
            OverflowPolicy overflow = round % 4 < 2 ? OverflowPolicy.DEAD_LETTER : OverflowPolicy.BACKPRESSURE;
            SubscriberHandle churn = bus.subscribe(
                    SubscriberSpec.<String>builder("churn-" + round, PLACED, e -> hanging ? Mono.never() : Mono.empty())
                            .inboxSize(16)
                            .overflow(overflow)
                            .maxPublishWait(PUBLISH_WAIT)
                            .disposeGrace(Duration.ofMillis(1))
                            .build());
            if (hanging) {
                hung.add(churn);
            }
            if (overflow == OverflowPolicy.BACKPRESSURE) {
                backpressured.add(churn);
            }
            Flux.interval(Duration.ofMillis(1))
                    .filter(tick -> churn.stats().offered() >= HELD_PER_ROUND)
                    .next()
                    .block(HANG_GUARD);

            churn.dispose().block(HANG_GUARD);

            atDispose.put(churn, churn.stats());
        }
        stopPublishing.set(true);
        long events = published.block(HANG_GUARD);
        bus.close(HANG_GUARD).block(HANG_GUARD);

        assertThat(escaped).as("errors dropped by Reactor").isEmpty();
        assertThat(steady.stats()).isEqualTo(new SubscriberStats(events, events, 0, 0, 0, 0));
        assertThat(steadyHandled).hasSize((int) events);
        atDispose.forEach((churn, stats) -> {
            String name = churn.name();
            assertThat(stats.inFlight()).as(name + " in flight once disposed").isZero();
            assertThat(stats.balanced()).as(name + " balanced: " + stats).isTrue();
            assertThat(stats.offered()).as(name + " offered").isGreaterThanOrEqualTo(HELD_PER_ROUND);
            assertThat(stats.recovered() + stats.dropped()).as(name).isZero();
            assertThat(churn.stats())
                    .as(name + " changed after dispose completed")
                    .isEqualTo(stats);
            // no BACKPRESSURE publish waited PUBLISH_WAIT within a round, so none of their letters may be
            // INBOX_OVERFLOW
            Set<DeadLetterReason> reasons = backpressured.contains(churn)
                    ? EnumSet.of(DeadLetterReason.UNSUBSCRIBED)
                    : EnumSet.of(DeadLetterReason.UNSUBSCRIBED, DeadLetterReason.INBOX_OVERFLOW);
            assertThat(store.letters(name))
                    .as(name + " letters")
                    .hasSize((int) stats.deadLettered())
                    .allSatisfy(letter -> assertThat(letter.reason()).isIn(reasons))
                    .extracting(DeadLetter::eventId)
                    .doesNotHaveDuplicates();
            if (hung.contains(churn)) {
                // nothing delivered; the one in the handler and at least the next two (in the inbox) are UNSUBSCRIBED
                assertThat(stats.delivered()).as(name).isZero();
                assertThat(stats.deadLettered()).as(name).isEqualTo(stats.offered());
                assertThat(store.reasons(name).get(DeadLetterReason.UNSUBSCRIBED))
                        .as(name + " UNSUBSCRIBED letters")
                        .isGreaterThanOrEqualTo((long) HELD_PER_ROUND);
            }
        });
    }
}
