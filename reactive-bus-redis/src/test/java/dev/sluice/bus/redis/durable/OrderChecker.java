package dev.sluice.bus.redis.durable;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/**
 * The order every multi-instance test judges by (issue 13, "Tests"): <em>for every key, no handling of sequence number
 * n starts before some handling of n − 1 has ended; repeats are allowed, overtaking is not.</em> Sequence numbers of a
 * key start at 0, so a handling of n &gt; 0 with no ended handling of n − 1 before it is overtaking too.
 *
 * <p>Records each handling's start and end per (key, sequence number, instance) on {@link System#nanoTime()}. On Linux
 * that is {@code CLOCK_MONOTONIC}, one clock for every process of the machine, so the handlings a child JVM recorded
 * (written as {@linkplain #startLine lines} and read back with {@link #addLines}) compare with this JVM's. A start is
 * read before the handler runs and an end after it returned, so a correct run never looks overtaken; the window the
 * clock cannot see is only the few microseconds between a handler's return and the recorded end.
 *
 * <p>Uses nothing of test-support (the child JVM's main writes lines with the static methods alone). Thread-safe and
 * non-blocking: handlers on Reactor threads may call {@link #start} and {@link Started#end()}.
 */
final class OrderChecker {

    /** The end of a handling that never ended (its instance died under it, or was fenced and never finished). */
    static final long NOT_ENDED = Long.MAX_VALUE;

    private static final String SEPARATOR = "|";

    /**
     * One handling of one event.
     *
     * @param instance who handled it
     * @param key the event's key
     * @param seq the event's sequence number within its key, from 0
     * @param startNanos when the handler was called, by {@link System#nanoTime()}
     * @param endNanos when it returned, or {@link #NOT_ENDED}
     */
    record Handling(String instance, String key, long seq, long startNanos, long endNanos) {

        boolean ended() {
            return endNanos != NOT_ENDED;
        }

        @Override
        public String toString() {
            return key + "#" + seq + " by " + instance + " [" + startNanos + ", "
                    + (ended() ? String.valueOf(endNanos) : "never ended") + "]";
        }
    }

    /** A handling in progress in this JVM; {@link #end()} once its handler returned. */
    final class Started {
        private final String id;

        private Started(String id) {
            this.id = id;
        }

        /** Record the end of the handling, now. */
        void end() {
            long now = System.nanoTime();
            handlings.computeIfPresent(
                    id, (ignored, h) -> new Handling(h.instance(), h.key(), h.seq(), h.startNanos(), now));
        }
    }

    private final Map<String, Handling> handlings = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();

    /** Record that {@code instance} starts handling the event {@code seq} of {@code key}, now. */
    Started start(String instance, String key, long seq) {
        long now = System.nanoTime();
        String id = instance + SEPARATOR + ids.incrementAndGet();
        handlings.put(id, new Handling(instance, key, seq, now, NOT_ENDED));
        return new Started(id);
    }

    /** Add a handling recorded elsewhere, with its own times. */
    void add(Handling handling) {
        handlings.put("added" + SEPARATOR + ids.incrementAndGet(), handling);
    }

    /**
     * Return the line that records a start in another JVM: {@code S|instance|handling id|key|seq|nanos}; the handling
     * id is unique per instance and pairs the start with its {@linkplain #endLine end}.
     *
     * @throws IllegalArgumentException if {@code instance} or {@code key} contains {@code |}
     */
    static String startLine(String instance, long handlingId, String key, long seq, long startNanos) {
        return String.join(
                SEPARATOR,
                "S",
                plain("instance", instance),
                Long.toString(handlingId),
                plain("key", key),
                Long.toString(seq),
                Long.toString(startNanos));
    }

    /** Return the line that records the end of the handling {@code handlingId} of {@code instance}. */
    static String endLine(String instance, long handlingId, long endNanos) {
        return String.join(
                SEPARATOR, "E", plain("instance", instance), Long.toString(handlingId), Long.toString(endNanos));
    }

    /**
     * Add the handlings recorded by {@link #startLine} and {@link #endLine} lines, in any order; a start without an end
     * is a handling that never ended.
     *
     * @throws IllegalArgumentException naming the line if one is malformed, or an end has no start
     */
    void addLines(Collection<String> lines) {
        Map<String, String[]> starts = new HashMap<>();
        Map<String, Long> ends = new HashMap<>();
        for (String line : lines) {
            String[] f = line.split("\\|", -1);
            try {
                if (f[0].equals("S") && f.length == 6) {
                    starts.put(f[1] + SEPARATOR + f[2], f);
                } else if (f[0].equals("E") && f.length == 4) {
                    ends.put(f[1] + SEPARATOR + f[2], Long.parseLong(f[3]));
                } else {
                    throw new IllegalArgumentException("not a handling line: '" + line + "'");
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("not a handling line: '" + line + "'", e);
            }
        }
        for (String id : ends.keySet()) {
            if (!starts.containsKey(id)) {
                throw new IllegalArgumentException("the end of handling " + id + " has no start line");
            }
        }
        starts.forEach((id, f) -> {
            try {
                add(new Handling(
                        f[1], f[3], Long.parseLong(f[4]), Long.parseLong(f[5]), ends.getOrDefault(id, NOT_ENDED)));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("not a handling line: '" + String.join(SEPARATOR, f) + "'", e);
            }
        });
    }

    /** Return every handling recorded so far, by key, sequence number and start. */
    List<Handling> handlings() {
        List<Handling> all = new ArrayList<>(handlings.values());
        all.sort(Comparator.comparing(Handling::key)
                .thenComparingLong(Handling::seq)
                .thenComparingLong(Handling::startNanos));
        return all;
    }

    /**
     * Return every overtaking: a handling of n &gt; 0 of a key that started before any handling of n − 1 had ended
     * (or when none of n − 1 ever ended), each described with the handlings of n − 1. Empty when order held.
     */
    List<String> overtakings() {
        List<String> found = new ArrayList<>();
        Map<String, Map<Long, List<Handling>>> byKey = byKeyAndSeq();
        byKey.forEach((key, bySeq) -> bySeq.forEach((seq, ofSeq) -> {
            if (seq == 0) {
                return;
            }
            List<Handling> previous = bySeq.getOrDefault(seq - 1, List.of());
            long firstEnd =
                    previous.stream().mapToLong(Handling::endNanos).min().orElse(NOT_ENDED);
            for (Handling h : ofSeq) {
                if (h.startNanos() < firstEnd) {
                    found.add(h + " started before any handling of " + key + "#" + (seq - 1) + " had ended: "
                            + (previous.isEmpty() ? "none recorded" : previous));
                }
            }
        }));
        return found;
    }

    /**
     * Return the events of {@code published} (key → how many events it had, sequence numbers 0 to count − 1) that no
     * handling finished, as {@code key#seq}, in order. Empty when every event was handled at least once.
     */
    List<String> unhandled(Map<String, Long> published) {
        Map<String, Map<Long, List<Handling>>> byKey = byKeyAndSeq();
        List<String> missing = new ArrayList<>();
        new TreeMap<>(published).forEach((key, count) -> {
            Map<Long, List<Handling>> bySeq = byKey.getOrDefault(key, Map.of());
            for (long seq = 0; seq < count; seq++) {
                if (bySeq.getOrDefault(seq, List.of()).stream().noneMatch(Handling::ended)) {
                    missing.add(key + "#" + seq);
                }
            }
        });
        return missing;
    }

    /** Return the events handled (started) more than once, as {@code key#seq} → how many times, in order. */
    Map<String, Integer> repeats() {
        Map<String, Integer> repeated = new TreeMap<>();
        byKeyAndSeq()
                .forEach((key, bySeq) -> bySeq.forEach((seq, ofSeq) -> {
                    if (ofSeq.size() > 1) {
                        repeated.put(key + "#" + seq, ofSeq.size());
                    }
                }));
        return repeated;
    }

    /** Return how many handlings each instance started. */
    Map<String, Long> startsByInstance() {
        return handlings.values().stream()
                .collect(Collectors.groupingBy(Handling::instance, TreeMap::new, Collectors.counting()));
    }

    /** Return the keys whose events {@code instance} started handling. */
    TreeSet<String> keysHandledBy(String instance) {
        return handlings.values().stream()
                .filter(h -> h.instance().equals(instance))
                .map(Handling::key)
                .collect(Collectors.toCollection(TreeSet::new));
    }

    private Map<String, Map<Long, List<Handling>>> byKeyAndSeq() {
        Map<String, Map<Long, List<Handling>>> byKey = new TreeMap<>();
        for (Handling h : handlings()) {
            byKey.computeIfAbsent(h.key(), k -> new TreeMap<>())
                    .computeIfAbsent(h.seq(), s -> new ArrayList<>())
                    .add(h);
        }
        return byKey;
    }

    private static String plain(String name, String value) {
        Objects.requireNonNull(value, name);
        if (value.contains(SEPARATOR)) {
            throw new IllegalArgumentException(name + " must not contain '" + SEPARATOR + "', but was '" + value + "'");
        }
        return value;
    }
}
