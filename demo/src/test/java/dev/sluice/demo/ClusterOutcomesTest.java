package dev.sluice.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.bus.DeadLetter;
import dev.sluice.bus.DeadLetterReason;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** How the multi-process scenario judges what the downstream, the store and the streams saw. */
class ClusterOutcomesTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    private static ClusterClient.Published order(String id, String key, int seq) {
        return new ClusterClient.Published(seq, key, seq, id, "i1", T0);
    }

    /** A call begun {@code sentMs} after T0 and answered 10 ms after its arrival's rank. */
    private static RecordingDownstream.Call call(long arrival, String endpoint, String id, int status, long sentMs) {
        return new RecordingDownstream.Call(
                arrival, endpoint, id, "a", T0.plusMillis(sentMs), status, T0.plusMillis(10 * (arrival + 1)));
    }

    private static DeadLetter letter(String id, String subscriber) {
        return new DeadLetter(
                "l-" + id,
                id,
                "order.placed",
                "k",
                subscriber,
                "{}",
                Map.of(),
                T0,
                T0.plusMillis(5),
                T0.plusMillis(5),
                DeadLetterReason.RETRIES_EXHAUSTED,
                null,
                null,
                null,
                null,
                2,
                0,
                "a");
    }

    @Test
    void anOrderBegunAfterItsKeysNextOneIsAViolationButARepeatOrALateArrivalIsNot() {
        List<ClusterClient.Published> orders = List.of(
                order("e0", "k", 0),
                order("e1", "k", 1),
                order("e2", "k", 2),
                order("f0", "j", 0),
                order("f1", "j", 1));
        List<RecordingDownstream.Call> calls = List.of(
                call(0, RecordingDownstream.STOCK, "e0", 200, 0),
                call(1, RecordingDownstream.STOCK, "e2", 200, 10),
                call(2, RecordingDownstream.STOCK, "e0", 200, 20), // a redelivery: allowed
                call(3, RecordingDownstream.STOCK, "e1", 200, 30), // began after #2: overtaken
                call(4, RecordingDownstream.STOCK, "f1", 200, 300),
                call(5, RecordingDownstream.STOCK, "f0", 200, 0)); // timed out by its client, arrived late: allowed

        ClusterOutcomes outcomes = new ClusterOutcomes(orders, calls, Map.of(), Set.of(), id -> false, Map.of());

        assertThat(outcomes.orderViolations())
                .singleElement()
                .asString()
                .startsWith("key k: #1 began at " + T0.plusMillis(30))
                .contains("after #2 at " + T0.plusMillis(10));
        assertThat(outcomes.duplicates()).containsEntry(Subscribers.INVENTORY, 1L);
    }

    @Test
    void anOrderWithNeitherASuccessNorALetterIsLostUnlessInventorysFallbackRecoveredIt() {
        List<ClusterClient.Published> orders = List.of(order("e0", "k", 0), order("e1", "k", 1));
        List<RecordingDownstream.Call> calls = List.of(
                call(0, RecordingDownstream.STOCK, "e0", 200, 0),
                call(1, RecordingDownstream.EMAIL, "e0", 503, 0),
                call(2, RecordingDownstream.EMAIL, "e1", 503, 0),
                call(3, RecordingDownstream.EMAIL, "warm", 202, 0));
        Map<String, Map<String, DeadLetter>> letters = Map.of(Subscribers.EMAIL, Map.of("e0", letter("e0", "email")));

        ClusterOutcomes acknowledged =
                new ClusterOutcomes(orders, calls, letters, Set.of("warm"), id -> true, Map.of());
        ClusterOutcomes unacknowledged =
                new ClusterOutcomes(orders, calls, letters, Set.of("warm"), id -> false, Map.of());

        assertThat(acknowledged.withoutOutcome(Subscribers.INVENTORY)).isEmpty();
        assertThat(acknowledged.recoveredByFallback()).isEqualTo(1);
        assertThat(acknowledged.withoutOutcome(Subscribers.EMAIL)).containsExactly("e1");
        assertThat(unacknowledged.withoutOutcome(Subscribers.INVENTORY)).containsExactly("e1");
        assertThat(unacknowledged.outstanding()).isEqualTo(2);
        assertThat(acknowledged.deadLetteredByReason())
                .isEqualTo(Map.of(Subscribers.EMAIL, Map.of("RETRIES_EXHAUSTED", 1L)));
        assertThat(acknowledged.unknownCalls()).isZero();
        // inventory e0 answered at 10 ms; email e0's letter at 5 ms; e1 has no outcome time
        assertThat(acknowledged.latency()).containsExactly(10, 10, 10, 2);
    }

    @Test
    void anInversionAfterTheLaterOnesInstanceWasKilledIsARepeatAndADeadLetteredEventLeavesTheSequence() {
        List<ClusterClient.Published> orders =
                List.of(order("e0", "k", 0), order("e1", "k", 1), order("f0", "j", 0), order("f1", "j", 1));
        List<RecordingDownstream.Call> calls = List.of(
                new RecordingDownstream.Call(0, RecordingDownstream.STOCK, "e1", "dead", T0, 200, T0),
                new RecordingDownstream.Call(
                        1, RecordingDownstream.STOCK, "e0", "survivor", T0.plusSeconds(6), 200, T0.plusSeconds(6)),
                call(2, RecordingDownstream.STOCK, "f1", 200, 10),
                call(3, RecordingDownstream.STOCK, "f0", 200, 2000)); // f0 was dead-lettered, then redriven
        Map<String, Map<String, DeadLetter>> letters =
                Map.of(Subscribers.INVENTORY, Map.of("f0", letter("f0", "inventory")));

        ClusterOutcomes outcomes =
                new ClusterOutcomes(orders, calls, letters, Set.of(), id -> true, Map.of("dead", T0.plusSeconds(5)));

        assertThat(outcomes.orderViolations()).isEmpty();
        assertThat(outcomes.repeatsAfterTakeover()).singleElement().asString().startsWith("key k: #0 began at");
    }
}
