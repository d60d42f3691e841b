package dev.sluice.demo;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.bus.DeadLetterQuery;
import dev.sluice.bus.DeadLetterReason;
import dev.sluice.bus.RedriveResult;
import dev.sluice.bus.SubscriberStats;
import io.micrometer.core.instrument.FunctionCounter;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What a scenario run did: per subscriber the accounting, dead letters by reason, redrive results and letters left;
 * breaker transitions; publish → first outcome latency; throughput. Printed as a table and written as JSON.
 *
 * @param latency {@code [p50, p99, max, samples]} in milliseconds
 */
record ScenarioReport(
        int events,
        int targetRate,
        long published,
        double publishSeconds,
        double totalSeconds,
        List<Row> subscribers,
        List<String> breakerTransitions,
        long[] latency,
        boolean settled,
        boolean blockhound,
        long blockingCalls,
        String deadLetters) {

    /**
     * One subscriber's line.
     *
     * @param balanced {@code offered = delivered + recovered + deadLettered + dropped} and nothing in flight
     */
    record Row(
            String name,
            SubscriberStats stats,
            Map<String, Long> deadLetteredByReason,
            Map<String, Long> redriven,
            long lettersLive,
            long lettersParked,
            boolean balanced) {

        static Row of(String name, SubscriberStats stats, DemoRuntime runtime) {
            Map<String, Long> reasons = new LinkedHashMap<>();
            for (DeadLetterReason reason : DeadLetterReason.values()) {
                long n = counter(runtime, "sluice.dead.letters.written", name, "reason", reason.name());
                if (n > 0) {
                    reasons.put(reason.name(), n);
                }
            }
            Map<String, Long> redriven = new LinkedHashMap<>();
            for (RedriveResult.Status status : RedriveResult.Status.values()) {
                String tag = status.name().toLowerCase(Locale.ROOT);
                long n = counter(runtime, "sluice.redrive.outcomes", name, "outcome", tag);
                if (n > 0) {
                    redriven.put(status.name(), n);
                }
            }
            DeadLetterQuery live = DeadLetterQuery.of(name);
            long liveCount = count(runtime, live), parked = count(runtime, live.withParked(true));
            boolean balanced = stats.balanced() && stats.inFlight() == 0;
            return new Row(name, stats, reasons, redriven, liveCount, parked, balanced);
        }

        private static long counter(DemoRuntime runtime, String meter, String subscriber, String tag, String value) {
            FunctionCounter counter = runtime.registry
                    .find(meter)
                    .tag("subscriber", subscriber)
                    .tag(tag, value)
                    .functionCounter();
            return counter == null ? 0 : (long) counter.count();
        }

        private static long count(DemoRuntime runtime, DeadLetterQuery query) {
            // the report is built on Scenario.run()'s thread (main), after the bus has settled
            Long n = runtime.store.count(query).block(Duration.ofSeconds(10));
            return n == null ? 0 : n;
        }
    }

    /** Return whether the accounting holds for every subscriber and nothing blocked. */
    boolean passed() {
        return subscribers.stream().allMatch(Row::balanced) && blockingCalls == 0 && published == events;
    }

    String verdict() {
        StringBuilder text = new StringBuilder();
        subscribers.stream().filter(row -> !row.balanced()).forEach(row -> text.append("accounting broken for ")
                .append(row.name())
                .append(' ')
                .append(row.stats())
                .append("; "));
        if (blockingCalls > 0) {
            text.append(blockingCalls).append(" blocking call(s) caught by BlockHound; ");
        }
        if (published != events) {
            text.append("published ")
                    .append(published)
                    .append(" of ")
                    .append(events)
                    .append("; ");
        }
        return text.length() == 0
                ? "offered = delivered + recovered + deadLettered + dropped, nothing in flight, for every subscriber"
                : text.toString();
    }

    String table() {
        StringBuilder out = new StringBuilder("\n");
        out.append(String.format(
                Locale.ROOT,
                "Published %,d of %,d orders in %.1f s (%,.0f/s, target %,d/s); finished after %.1f s%s%n",
                published,
                events,
                publishSeconds,
                published / Math.max(publishSeconds, 1e-9),
                targetRate,
                totalSeconds,
                settled ? "" : " (redrives had not settled)"));
        out.append(String.format(
                Locale.ROOT,
                "Publish -> first outcome: p50 %d ms, p99 %d ms, max %d ms (%,d outcomes)%n",
                latency[0],
                latency[1],
                latency[2],
                latency[3]));
        out.append("Inventory breaker: ")
                .append(breakerTransitions.isEmpty() ? "no transitions" : String.join(", ", breakerTransitions))
                .append(String.format(Locale.ROOT, " (%d transitions)%n", breakerTransitions.size()));
        out.append(String.format(
                Locale.ROOT,
                "%n%-15s %8s %9s %9s %9s %7s  %-40s %-36s %6s %6s %s%n",
                "subscriber",
                "offered",
                "delivered",
                "recovered",
                "dead-let.",
                "dropped",
                "dead-lettered by reason",
                "redriven",
                "live",
                "parked",
                "ok"));
        for (Row row : subscribers) {
            SubscriberStats s = row.stats();
            out.append(String.format(
                    Locale.ROOT,
                    "%-15s %8d %9d %9d %9d %7d  %-40s %-36s %6d %6d %s%n",
                    row.name(),
                    s.offered(),
                    s.delivered(),
                    s.recovered(),
                    s.deadLettered(),
                    s.dropped(),
                    compact(row.deadLetteredByReason()),
                    compact(row.redriven()),
                    row.lettersLive(),
                    row.lettersParked(),
                    row.balanced() ? "yes" : "NO"));
        }
        out.append(String.format(
                Locale.ROOT,
                "%nDead letters kept in: %s. --blockhound: %s.%nInvariant: %s%n",
                deadLetters,
                blockhound ? blockingCalls + " blocking call(s)" : "off",
                verdict()));
        return out.toString();
    }

    ObjectNode json() {
        ObjectNode json = Json.object()
                .put("events", events)
                .put("targetRate", targetRate)
                .put("published", published)
                .put("publishSeconds", publishSeconds)
                .put("publishThroughput", published / Math.max(publishSeconds, 1e-9))
                .put("totalSeconds", totalSeconds)
                .put("settled", settled)
                .put("blockhound", blockhound)
                .put("blockingCalls", blockingCalls)
                .put("deadLetters", deadLetters)
                .put("passed", passed())
                .put("verdict", verdict());
        json.putObject("latencyMs")
                .put("p50", latency[0])
                .put("p99", latency[1])
                .put("max", latency[2])
                .put("samples", latency[3]);
        var transitions = json.putArray("breakerTransitions");
        breakerTransitions.forEach(transitions::add);
        ObjectNode rows = json.putObject("subscribers");
        for (Row row : subscribers) {
            SubscriberStats s = row.stats();
            ObjectNode r = rows.putObject(row.name())
                    .put("offered", s.offered())
                    .put("delivered", s.delivered())
                    .put("recovered", s.recovered())
                    .put("deadLettered", s.deadLettered())
                    .put("dropped", s.dropped())
                    .put("inFlight", s.inFlight())
                    .put("lettersLive", row.lettersLive())
                    .put("lettersParked", row.lettersParked())
                    .put("balanced", row.balanced());
            ObjectNode reasons = r.putObject("deadLetteredByReason");
            row.deadLetteredByReason().forEach(reasons::put);
            ObjectNode redriven = r.putObject("redriven");
            row.redriven().forEach(redriven::put);
        }
        return json;
    }

    private static String compact(Map<String, Long> counts) {
        if (counts.isEmpty()) {
            return "-";
        }
        StringBuilder text = new StringBuilder();
        counts.forEach((k, v) ->
                text.append(text.length() == 0 ? "" : " ").append(k).append('=').append(v));
        return text.toString();
    }
}
