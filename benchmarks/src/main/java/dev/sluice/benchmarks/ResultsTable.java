package dev.sluice.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Turns one run's JMH JSON (and optionally {@link LatencyHarness}'s JSON) into the Markdown tables of {@code
 * benchmarks/README.md}: score ± error, the median of the forks' means, allocation per op, the ratio to the baseline
 * of the same class, and every issue target beside its figure, met or not. Run by {@code benchmarks/run-suites.sh}.
 *
 * <p>{@code java -cp benchmarks/target/benchmarks.jar dev.sluice.benchmarks.ResultsTable results/<date>.json
 * [results/<date>-latency.json]}
 */
public final class ResultsTable {

    /** Each measured method's baseline in the same class. */
    private static final Map<String, String> BASELINES = Map.ofEntries(
            Map.entry("naiveComposition", "bareMono"),
            Map.entry("sluicePolicy", "bareMono"),
            Map.entry("naiveCompositionAsync", "bareMonoAsync"),
            Map.entry("sluicePolicyAsync", "bareMonoAsync"),
            Map.entry("guavaAsyncEventBus", "reactorHandOff"),
            Map.entry("sluiceBus", "guavaAsyncEventBus"),
            Map.entry("sluiceBusFourSubscribers", "guavaAsyncEventBus"),
            Map.entry("sluiceBusOnePercentFailures", "guavaAsyncEventBus"),
            Map.entry("sluiceBusObserved", "sluiceBus"),
            Map.entry("sluiceStore", "rawLettucePipelinedXadd"),
            Map.entry("sluiceDurableBus", "rawLettuceStreamLoop"),
            Map.entry("sluiceDurablePublish", "rawLettuceXadd"));

    private ResultsTable() {}

    public static void main(String[] args) throws IOException {
        if (args.length < 1 || args.length > 2) {
            System.err.println("usage: ResultsTable <jmh.json> [latency.json]");
            System.exit(2);
        }
        ObjectMapper mapper = new ObjectMapper();
        Map<String, Row> rows = new LinkedHashMap<>();
        for (JsonNode result : mapper.readTree(new File(args[0]))) {
            Row row = Row.of(result);
            rows.put(row.method, row);
        }
        printScores(rows);
        List<String[]> targets = new ArrayList<>(targets(rows));
        if (args.length == 2) {
            targets.addAll(latency(mapper.readTree(new File(args[1]))));
        }
        System.out.println();
        System.out.println("| target | measured (medians of forks, same run) | met? |");
        System.out.println("|---|---|---|");
        for (String[] target : targets) {
            System.out.println("| " + String.join(" | ", target) + " |");
        }
    }

    private static void printScores(Map<String, Row> rows) {
        System.out.println("| method | score ± error | median of forks | ratio to baseline | bytes/op |");
        System.out.println("|---|---|---|---|---|");
        for (Row row : rows.values()) {
            String baseline = BASELINES.get(row.method);
            Row base = baseline == null ? null : rows.get(baseline);
            String ratio =
                    base == null ? "" : String.format(Locale.ROOT, "%.3g × `%s`", row.median / base.median, baseline);
            System.out.printf(
                    Locale.ROOT,
                    "| `%s.%s` | %.3f ± %.3f %s | %.3f | %s | %s |%n",
                    row.suite,
                    row.method,
                    row.score,
                    row.error,
                    row.unit,
                    row.median,
                    ratio,
                    Double.isNaN(row.bytesPerOp) ? "" : String.format(Locale.ROOT, "%.0f", row.bytesPerOp));
        }
    }

    private static List<String[]> targets(Map<String, Row> rows) {
        List<String[]> out = new ArrayList<>();
        ratio(out, rows, "sluiceBus", "guavaAsyncEventBus", 1.0);
        ratio(out, rows, "sluiceBus", "reactorHandOff", 0.25);
        ratio(out, rows, "sluicePolicy", "naiveComposition", 5.0);
        ratio(out, rows, "sluiceStore", "rawLettucePipelinedXadd", 0.8);
        ratio(out, rows, "sluiceDurableBus", "rawLettuceStreamLoop", 0.6);
        ratio(out, rows, "sluiceDurablePublish", "rawLettuceXadd", 0.8);
        addedCost(out, rows, "sluicePolicy", "bareMono", 150);
        addedCost(out, rows, "sluicePolicyAsync", "bareMonoAsync", 250);
        Row policy = rows.get("sluicePolicy");
        if (policy != null && !Double.isNaN(policy.bytesPerOp)) {
            out.add(new String[] {
                "`sluicePolicy` ≤ 800 B per call",
                String.format(Locale.ROOT, "%.0f B", policy.bytesPerOp),
                policy.bytesPerOp <= 800 ? "yes" : "**no**"
            });
        }
        return out;
    }

    private static void ratio(List<String[]> out, Map<String, Row> rows, String method, String baseline, double min) {
        Row m = rows.get(method);
        Row b = rows.get(baseline);
        if (m != null && b != null) {
            double r = m.median / b.median;
            out.add(new String[] {
                String.format(Locale.ROOT, "`%s` ≥ %.2f × `%s`", method, min, baseline),
                String.format(Locale.ROOT, "%.2f ×", r),
                r >= min ? "yes" : "**no**"
            });
        }
    }

    /** Added cost per call in ns, from throughputs in ops/µs: {@code 1000/method − 1000/baseline}. */
    private static void addedCost(
            List<String[]> out, Map<String, Row> rows, String method, String baseline, double max) {
        Row m = rows.get(method);
        Row b = rows.get(baseline);
        if (m != null && b != null && m.unit.equals("ops/us")) {
            double added = 1000 / m.median - 1000 / b.median;
            out.add(new String[] {
                String.format(Locale.ROOT, "added cost `1/%s − 1/%s` ≤ %.0f ns", method, baseline, max),
                String.format(Locale.ROOT, "%.1f ns", added),
                added <= max ? "yes" : "**no**"
            });
        }
    }

    private static List<String[]> latency(JsonNode doc) {
        List<String[]> out = new ArrayList<>();
        Map<Integer, long[]> p99 = new LinkedHashMap<>(); // rate -> {sluice, baseline}
        for (JsonNode r : doc.get("results")) {
            if (r.get("sustainedSearch").asBoolean()) {
                out.add(new String[] {
                    "highest rate the bus sustains (p99.9 < 100 ms)",
                    r.get("rate").asInt() + " events/s (p99 "
                            + r.get("p99Micros").asLong() + " µs)",
                    "(reported)"
                });
                continue;
            }
            long[] pair = p99.computeIfAbsent(r.get("rate").asInt(), rate -> new long[] {-1, -1});
            pair[r.get("shape").asText().equals("sluiceBus") ? 0 : 1] =
                    r.get("p99Micros").asLong();
        }
        p99.forEach((rate, pair) -> {
            if (pair[0] >= 0 && pair[1] > 0) {
                double ratio = (double) pair[0] / pair[1];
                out.add(new String[] {
                    "p99 `sluiceBus` ≤ 3 × `reactorHandOff` at " + rate + " events/s"
                            + (rate == 100_000 ? "" : " (target is at 100 k/s; shown for reference)"),
                    String.format(Locale.ROOT, "%.2f × (%d µs vs %d µs)", ratio, pair[0], pair[1]),
                    rate != 100_000 ? "(reference)" : ratio <= 3 ? "yes" : "**no**"
                });
            }
        });
        return out;
    }

    /** One benchmark method's figures. */
    private record Row(
            String suite, String method, double score, double error, String unit, double median, double bytesPerOp) {
        static Row of(JsonNode result) {
            String[] name = result.get("benchmark").asText().split("\\.", -1);
            JsonNode primary = result.get("primaryMetric");
            double[] forkMeans = new double[primary.get("rawData").size()];
            for (int fork = 0; fork < forkMeans.length; fork++) {
                JsonNode iterations = primary.get("rawData").get(fork);
                double sum = 0;
                for (JsonNode value : iterations) {
                    sum += value.asDouble();
                }
                forkMeans[fork] = sum / Math.max(1, iterations.size());
            }
            Arrays.sort(forkMeans);
            double median = forkMeans.length == 0
                    ? Double.NaN
                    : forkMeans.length % 2 == 1
                            ? forkMeans[forkMeans.length / 2]
                            : (forkMeans[forkMeans.length / 2 - 1] + forkMeans[forkMeans.length / 2]) / 2;
            JsonNode alloc =
                    result.path("secondaryMetrics").path("gc.alloc.rate.norm").path("score");
            return new Row(
                    name[name.length - 2],
                    name[name.length - 1],
                    primary.get("score").asDouble(),
                    primary.get("scoreError").asDouble(),
                    primary.get("scoreUnit").asText(),
                    median,
                    alloc.isMissingNode() ? Double.NaN : alloc.asDouble());
        }
    }
}
