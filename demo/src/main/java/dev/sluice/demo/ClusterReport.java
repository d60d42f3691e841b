package dev.sluice.demo;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.bus.redis.StreamAudit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What a multi-process scenario run did: orders published through the instances, who was killed and restarted, what
 * each instance handled, redeliveries, repeats seen by the downstream, dead letters by reason, per-key order
 * violations, lost orders, publish → first outcome latency and the stream audit. Printed as a table and written as
 * JSON; {@link #passed()} only if nothing is lost, no key is out of order and the audit balances.
 *
 * @param events orders asked for
 * @param targetRate orders per second asked for
 * @param instances demo instances started
 * @param published orders accepted ({@code 202})
 * @param warmUp warm-up orders published before the measured ones (in the audit, in no other count)
 * @param publishSeconds from the first publish to the last answer
 * @param story what was killed and restarted, when; one line each
 * @param handledPerInstance per instance ({@code i1 <instance id>}), per judged subscriber, {@code 2xx} answers
 * @param recoveredByFallback {@code inventory} orders acknowledged with neither a {@code 2xx} nor a letter: recovered
 *     by its fallback (the last known stock) after its calls timed out or its breaker refused them
 * @param repeatsAfterTakeover {@code inventory} events whose first visible call came after a later one of their key,
 *     made by an instance killed before: it had handled them first without a call, the survivor handled them again
 * @param duplicates per judged subscriber, {@code 2xx} answers beyond an event's first
 * @param deadLetteredByReason per subscriber, per reason, letters of accepted orders
 * @param orderViolations per-key order violations of {@code inventory}, each described
 * @param lost per judged subscriber, accepted orders with neither a {@code 2xx} nor a dead letter
 * @param unknownCalls downstream calls for no accepted or warm-up order
 * @param latency {@code [p50, p99, max, samples]} publish → first outcome in milliseconds
 * @param audit the stream audit after the instances stopped
 * @param problems what failed, one line each; empty if the run passed
 */
record ClusterReport(
        int events,
        int targetRate,
        int instances,
        long published,
        int warmUp,
        double publishSeconds,
        List<String> story,
        Map<String, Map<String, Long>> handledPerInstance,
        long recoveredByFallback,
        long repeatsAfterTakeover,
        Map<String, Long> duplicates,
        Map<String, Map<String, Long>> deadLetteredByReason,
        List<String> orderViolations,
        Map<String, List<String>> lost,
        long unknownCalls,
        long[] latency,
        StreamAudit audit,
        List<String> problems) {

    /** Said in every report: what two instances on this machine show, and what they do not. */
    static final String NO_SPEED_UP = "Two instances on two cores are a failover story, not a scaling one: they share "
            + "the work and take over a killed one's; no speed-up is claimed.";

    /** Return the lines that fail the run: the given problems, then lost orders, order violations and the audit. */
    static List<String> problems(
            List<String> run, Map<String, List<String>> lost, List<String> orderViolations, StreamAudit audit) {
        List<String> problems = new ArrayList<>(run);
        lost.forEach((subscriber, ids) -> {
            if (!ids.isEmpty()) {
                problems.add(ids.size() + " order(s) lost for " + subscriber + " (neither handled nor dead-lettered), "
                        + "e.g. event " + ids.get(0));
            }
        });
        if (!orderViolations.isEmpty()) {
            problems.add(orderViolations.size() + " per-key order violation(s) of inventory, e.g. "
                    + orderViolations.get(0));
        }
        for (String subscriber : Subscribers.ORDER_SUBSCRIBERS) {
            StreamAudit.Group group = audit.groups().get(subscriber);
            if (group == null) {
                problems.add("the audit has no group " + subscriber);
            } else if (!balanced(group)) {
                problems.add("the audit of " + subscriber + " does not balance: " + describe(group));
            }
        }
        return problems;
    }

    /** Return whether {@code group} is quiet and balanced: {@code published = base + acked + trimmedUnhandled}. */
    static boolean balanced(StreamAudit.Group group) {
        return group.pending() == 0
                && group.undelivered() == 0
                && group.published() == group.base() + group.acked() + group.trimmedUnhandled();
    }

    boolean passed() {
        return problems.isEmpty();
    }

    String verdict() {
        return passed()
                ? "nothing lost, no key out of order, and for every subscriber published = base + acked + "
                        + "trimmedUnhandled with nothing pending or undelivered"
                : String.join("; ", problems);
    }

    String table() {
        StringBuilder out = new StringBuilder("\n");
        out.append(String.format(
                Locale.ROOT,
                "Published %,d of %,d orders in %.1f s (%,.0f/s, target %,d/s) through %d instances, after %d warm-up "
                        + "orders%n",
                published,
                events,
                publishSeconds,
                published / Math.max(publishSeconds, 1e-9),
                targetRate,
                instances,
                warmUp));
        story.forEach(line -> out.append(line).append('\n'));
        out.append(String.format(Locale.ROOT, "%nHandled (2xx at the downstream)  %9s %9s%n", "inventory", "email"));
        handledPerInstance.forEach((instance, counts) -> out.append(String.format(
                Locale.ROOT,
                "  %-30s %9d %9d%n",
                instance,
                counts.getOrDefault(Subscribers.INVENTORY, 0L),
                counts.getOrDefault(Subscribers.EMAIL, 0L))));
        if (recoveredByFallback > 0) {
            out.append(String.format(
                    Locale.ROOT,
                    "  inventory recovered by its fallback (acknowledged; no 2xx, no letter): %d%n",
                    recoveredByFallback));
        }
        out.append("Redelivered (audit): ");
        List<String> redelivered = new ArrayList<>();
        for (String subscriber : Subscribers.ORDER_SUBSCRIBERS) {
            StreamAudit.Group group = audit.groups().get(subscriber);
            redelivered.add(subscriber + " " + (group == null ? "-" : group.redelivered()));
        }
        out.append(String.join(", ", redelivered)).append('\n');
        out.append("Duplicates seen by the downstream (2xx beyond an event's first): ")
                .append(compact(duplicates))
                .append('\n');
        out.append("Dead-lettered by reason: ")
                .append(deadLetteredByReason.isEmpty() ? "none" : "")
                .append(String.join(
                        "; ",
                        deadLetteredByReason.entrySet().stream()
                                .map(e -> e.getKey() + " " + compact(e.getValue()))
                                .toList()))
                .append('\n');
        out.append(String.format(
                Locale.ROOT,
                "Per-key order violations (inventory, first deliveries): %d (repeats after the takeover, not "
                        + "violations: %d)%n",
                orderViolations.size(),
                repeatsAfterTakeover));
        out.append("Lost (neither handled nor dead-lettered): ")
                .append(String.join(
                        ", ",
                        lost.entrySet().stream()
                                .map(e -> e.getKey() + " " + e.getValue().size())
                                .toList()))
                .append(unknownCalls == 0 ? "" : "; downstream calls for unknown events: " + unknownCalls)
                .append('\n');
        out.append(String.format(
                Locale.ROOT,
                "Publish -> first outcome: p50 %d ms, p99 %d ms, max %d ms (%,d outcomes of inventory and email)%n",
                latency[0],
                latency[1],
                latency[2],
                latency[3]));
        out.append(String.format(
                Locale.ROOT, "Audit of %s: published %,d (all partitions)%n", audit.type(), audit.published()));
        for (String subscriber : Subscribers.ORDER_SUBSCRIBERS) {
            StreamAudit.Group group = audit.groups().get(subscriber);
            out.append(String.format(
                    Locale.ROOT,
                    "  %-10s %s%s%n",
                    subscriber,
                    group == null ? "no group" : describe(group),
                    group != null && balanced(group) ? "  balanced" : "  NOT BALANCED"));
        }
        out.append(NO_SPEED_UP).append('\n');
        out.append(passed() ? "PASSED: " : "FAILED: ").append(verdict()).append('\n');
        return out.toString();
    }

    ObjectNode json() {
        ObjectNode json = Json.object()
                .put("events", events)
                .put("targetRate", targetRate)
                .put("instances", instances)
                .put("published", published)
                .put("warmUp", warmUp)
                .put("publishSeconds", publishSeconds)
                .put("recoveredByFallback", recoveredByFallback)
                .put("repeatsAfterTakeover", repeatsAfterTakeover)
                .put("unknownCalls", unknownCalls)
                .put("passed", passed())
                .put("verdict", verdict())
                .put("note", NO_SPEED_UP);
        var storyJson = json.putArray("story");
        story.forEach(storyJson::add);
        ObjectNode handled = json.putObject("handledPerInstance");
        handledPerInstance.forEach((instance, counts) -> {
            ObjectNode row = handled.putObject(instance);
            counts.forEach(row::put);
        });
        ObjectNode dups = json.putObject("duplicates");
        duplicates.forEach(dups::put);
        ObjectNode letters = json.putObject("deadLetteredByReason");
        deadLetteredByReason.forEach((subscriber, reasons) -> {
            ObjectNode row = letters.putObject(subscriber);
            reasons.forEach(row::put);
        });
        var violations = json.putArray("orderViolations");
        orderViolations.forEach(violations::add);
        ObjectNode lostJson = json.putObject("lost");
        lost.forEach((subscriber, ids) -> lostJson.put(subscriber, ids.size()));
        json.putObject("latencyMs")
                .put("p50", latency[0])
                .put("p99", latency[1])
                .put("max", latency[2])
                .put("samples", latency[3]);
        ObjectNode auditJson = json.putObject("audit").put("published", audit.published());
        audit.groups().forEach((name, group) -> auditJson
                .putObject(name)
                .put("base", group.base())
                .put("acked", group.acked())
                .put("pending", group.pending())
                .put("undelivered", group.undelivered())
                .put("trimmedUnhandled", group.trimmedUnhandled())
                .put("redelivered", group.redelivered())
                .put("balanced", balanced(group)));
        var problemsJson = json.putArray("problems");
        problems.forEach(problemsJson::add);
        return json;
    }

    private static String describe(StreamAudit.Group group) {
        return String.format(
                Locale.ROOT,
                "published %d = base %d + acked %d + trimmedUnhandled %d; pending %d, undelivered %d, redelivered %d",
                group.published(),
                group.base(),
                group.acked(),
                group.trimmedUnhandled(),
                group.pending(),
                group.undelivered(),
                group.redelivered());
    }

    private static String compact(Map<String, Long> counts) {
        if (counts.isEmpty()) {
            return "-";
        }
        StringBuilder text = new StringBuilder();
        counts.forEach((k, v) -> text.append(text.length() == 0 ? "" : ", ")
                .append(k)
                .append(' ')
                .append(v));
        return text.toString();
    }
}
