package dev.sluice.demo;

import dev.sluice.bus.DeadLetter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * What happened to each order of the multi-process scenario, as the shared downstream, the dead-letter store and the
 * streams saw it. The two subscribers that call the downstream are judged per event: {@code inventory} ({@code GET
 * /stock}) and {@code email} ({@code POST /email}); an event has its first outcome for one of them at its first
 * {@code 2xx} answer or its dead letter, whichever came first. {@code inventory} has a third outcome the downstream
 * cannot see: recovered by its fallback (the last known stock) after its calls timed out or its breaker refused them;
 * such an event counts as handled if its stream entry was acknowledged (seen in the stream, and nothing pending or
 * undelivered: the transport acknowledges only after a final outcome). {@code analytics} calls nothing: its outcomes
 * are in the stream audit only. Immutable once built; build it on one thread.
 */
final class ClusterOutcomes {

    /** The downstream endpoint each judged subscriber calls, in report order. */
    static final Map<String, String> ENDPOINTS =
            Map.of(Subscribers.INVENTORY, RecordingDownstream.STOCK, Subscribers.EMAIL, RecordingDownstream.EMAIL);
    /** The judged subscribers, in report order. */
    static final List<String> JUDGED = List.of(Subscribers.INVENTORY, Subscribers.EMAIL);

    private final Map<String, ClusterClient.Published> published = new HashMap<>();
    private final Map<String, List<RecordingDownstream.Call>> callsByEndpoint = new HashMap<>();
    private final Map<String, Map<String, DeadLetter>> letters;
    private final Set<String> warmUp;
    private final Predicate<String> acknowledged;
    private final Map<String, Instant> killedAt;

    /**
     * @param published the accepted orders
     * @param calls every call the downstream recorded
     * @param letters the dead letters seen, per subscriber by event id
     * @param warmUp the event ids of the warm-up orders, left out of every count
     * @param acknowledged whether an event's stream entry was acknowledged by every group
     * @param killedAt when each instance killed with {@code kill -9} was killed, by instance id
     */
    ClusterOutcomes(
            Collection<ClusterClient.Published> published,
            List<RecordingDownstream.Call> calls,
            Map<String, Map<String, DeadLetter>> letters,
            Set<String> warmUp,
            Predicate<String> acknowledged,
            Map<String, Instant> killedAt) {
        published.forEach(p -> this.published.put(p.eventId(), p));
        for (RecordingDownstream.Call call : calls) {
            callsByEndpoint
                    .computeIfAbsent(call.endpoint(), e -> new ArrayList<>())
                    .add(call);
        }
        this.letters = letters;
        this.warmUp = Set.copyOf(warmUp);
        this.acknowledged = acknowledged;
        this.killedAt = Map.copyOf(killedAt);
    }

    /** Return the first outcome of {@code eventId} for {@code subscriber} ({@code firstSuccess} its 2xx), or null. */
    private @Nullable Instant firstOutcome(String subscriber, String eventId, Map<String, Instant> firstSuccess) {
        Instant success = firstSuccess.get(eventId);
        DeadLetter letter = letters.getOrDefault(subscriber, Map.of()).get(eventId);
        Instant lettered = letter == null ? null : letter.deadLetteredAt();
        if (success == null) {
            return lettered;
        }
        return lettered == null || success.isBefore(lettered) ? success : lettered;
    }

    /** Return, per event id, the first {@code 2xx} answer the downstream gave {@code subscriber}'s calls. */
    Map<String, Instant> firstSuccess(String subscriber) {
        Map<String, Instant> first = new HashMap<>();
        for (RecordingDownstream.Call call : calls(subscriber)) {
            String id = call.eventId();
            if (call.succeeded() && id != null) {
                first.merge(id, call.answeredAt(), (a, b) -> a.isBefore(b) ? a : b);
            }
        }
        return first;
    }

    /** Return the accepted orders that have no outcome yet for {@code subscriber}, by event id. */
    List<String> withoutOutcome(String subscriber) {
        Map<String, Instant> success = firstSuccess(subscriber);
        boolean hasFallback = subscriber.equals(Subscribers.INVENTORY);
        return published.keySet().stream()
                .filter(id -> firstOutcome(subscriber, id, success) == null)
                .filter(id -> !(hasFallback && acknowledged.test(id)))
                .sorted()
                .toList();
    }

    /** Return the {@code inventory} events acknowledged with neither a {@code 2xx} nor a letter: its fallback's. */
    long recoveredByFallback() {
        Map<String, Instant> success = firstSuccess(Subscribers.INVENTORY);
        return published.keySet().stream()
                .filter(id -> firstOutcome(Subscribers.INVENTORY, id, success) == null)
                .filter(acknowledged)
                .count();
    }

    /** Return how many accepted orders lack an outcome for some judged subscriber. */
    int outstanding() {
        return JUDGED.stream().mapToInt(s -> withoutOutcome(s).size()).sum();
    }

    /** Return, per judged subscriber, the {@code 2xx} answers beyond the first for one event: repeats it caused. */
    Map<String, Long> duplicates() {
        Map<String, Long> duplicates = new LinkedHashMap<>();
        for (String subscriber : JUDGED) {
            Map<String, Long> answers = new HashMap<>();
            for (RecordingDownstream.Call call : calls(subscriber)) {
                String id = call.eventId();
                if (call.succeeded() && id != null && published.containsKey(id)) {
                    answers.merge(id, 1L, Long::sum);
                }
            }
            duplicates.put(
                    subscriber, answers.values().stream().mapToLong(n -> n - 1).sum());
        }
        return duplicates;
    }

    /** Return, per calling instance id, per judged subscriber, the {@code 2xx} answers it got for accepted orders. */
    Map<String, Map<String, Long>> handledPerInstance() {
        Map<String, Map<String, Long>> handled = new TreeMap<>();
        for (String subscriber : JUDGED) {
            for (RecordingDownstream.Call call : calls(subscriber)) {
                String id = call.eventId();
                if (call.succeeded() && id != null && published.containsKey(id)) {
                    String instance = String.valueOf(call.instance());
                    handled.computeIfAbsent(instance, i -> new LinkedHashMap<>())
                            .merge(subscriber, 1L, Long::sum);
                }
            }
        }
        return handled;
    }

    /** Return the calls for events that are neither accepted orders nor warm-up ones (or name no event). */
    long unknownCalls() {
        return callsByEndpoint.values().stream()
                .flatMap(List::stream)
                .map(RecordingDownstream.Call::eventId)
                .filter(id -> id == null || !(published.containsKey(id) || warmUp.contains(id)))
                .count();
    }

    /**
     * Return the per-key order violations of {@code inventory} (the subscriber ordered by key): taking each event's
     * first call (the earliest {@link DownstreamClient#SENT_AT}: when a handler's attempt began), an event whose
     * sequence number is below that of a later-numbered event of its key that began before it. Repeats are not counted
     * (at-least-once), overtaking is (docs/durable-events.md, "Partitions and ordering"). Start times, not arrival at
     * the downstream: a call its client gave up on may reach the server after its successor, which the promise allows.
     * A dead-lettered event leaves the sequence (its redrive runs outside key order), so events with an {@code
     * inventory} letter are left out. Not a violation either, but {@link #repeatsAfterTakeover()}: the later event's
     * first call was made by an instance killed before the earlier event's first visible call began; the killed one
     * had handled the earlier event first, leaving no call (recovered by the fallback, or a call that never left it),
     * and the survivor handled it again.
     *
     * @return the violations, each described, earliest first
     */
    List<String> orderViolations() {
        return orderCheck(false);
    }

    /** Return the inversions explained by a takeover, each described (see {@link #orderViolations()}). */
    List<String> repeatsAfterTakeover() {
        return orderCheck(true);
    }

    private List<String> orderCheck(boolean takeovers) {
        Map<String, DeadLetter> lettered = letters.getOrDefault(Subscribers.INVENTORY, Map.of());
        Map<String, RecordingDownstream.Call> first = new HashMap<>();
        for (RecordingDownstream.Call call : calls(Subscribers.INVENTORY)) {
            String id = call.eventId();
            if (id != null && call.sentAt() != null && published.containsKey(id) && !lettered.containsKey(id)) {
                first.merge(id, call, (a, b) -> sentAt(a).isAfter(sentAt(b)) ? b : a);
            }
        }
        Map<String, RecordingDownstream.Call> highest = new HashMap<>();
        List<String> found = new ArrayList<>();
        first.values().stream()
                .sorted(Comparator.comparing(ClusterOutcomes::sentAt))
                .forEach(call -> {
                    ClusterClient.Published order = Objects.requireNonNull(published.get(call.eventId()));
                    RecordingDownstream.Call before = highest.get(order.key());
                    ClusterClient.Published earlier =
                            before == null ? null : Objects.requireNonNull(published.get(before.eventId()));
                    if (before == null || earlier == null || order.seq() > earlier.seq()) {
                        highest.put(order.key(), call);
                        return;
                    }
                    Instant killed = before.instance() == null ? null : killedAt.get(before.instance());
                    boolean takeover = killed != null && sentAt(call).isAfter(killed);
                    if (takeover == takeovers) {
                        found.add("key " + order.key() + ": #" + order.seq() + " began at " + sentAt(call) + " on "
                                + call.instance() + ", after #" + earlier.seq() + " at " + sentAt(before) + " on "
                                + before.instance() + (takeover ? " (killed at " + killed + ")" : ""));
                    }
                });
        return found;
    }

    private static Instant sentAt(RecordingDownstream.Call call) {
        return Objects.requireNonNull(call.sentAt(), "sentAt");
    }

    /** Return the dead letters of accepted orders, per subscriber, per reason. */
    Map<String, Map<String, Long>> deadLetteredByReason() {
        Map<String, Map<String, Long>> byReason = new TreeMap<>();
        letters.forEach((subscriber, byEvent) -> byEvent.values().stream()
                .filter(letter -> published.containsKey(letter.eventId()))
                .forEach(letter -> byReason.computeIfAbsent(subscriber, s -> new TreeMap<>())
                        .merge(letter.reason().name(), 1L, Long::sum)));
        return byReason;
    }

    /**
     * Return publish → first outcome over every (accepted order, judged subscriber) that has one, in milliseconds:
     * {@code [p50, p99, max, samples]}. Publish is when the scenario sent the accepted {@code POST}.
     */
    long[] latency() {
        List<Long> samples = new ArrayList<>();
        for (String subscriber : JUDGED) {
            Map<String, Instant> success = firstSuccess(subscriber);
            for (ClusterClient.Published order : published.values()) {
                Instant outcome = firstOutcome(subscriber, order.eventId(), success);
                if (outcome != null) {
                    samples.add(Math.max(
                            0, Duration.between(order.publishedAt(), outcome).toMillis()));
                }
            }
        }
        long[] sorted = samples.stream().mapToLong(Long::longValue).toArray();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n == 0
                ? new long[] {0, 0, 0, 0}
                : new long[] {sorted[(int) (n * 0.50)], sorted[Math.min(n - 1, (int) (n * 0.99))], sorted[n - 1], n};
    }

    private List<RecordingDownstream.Call> calls(String subscriber) {
        return callsByEndpoint.getOrDefault(Objects.requireNonNull(ENDPOINTS.get(subscriber), subscriber), List.of());
    }
}
