package dev.sluice.benchmarks;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.File;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Publish→outcome latency at fixed rates (issue 7): 4 subscribers with the full chain on the bus, beside the same
 * rates through 4 Reactor sinks each handed off with its own {@code publishOn} (the {@code reactorHandOff} shape).
 * Latency is measured from each event's <em>intended</em> send time, so a publisher that falls behind does not hide the
 * wait (coordinated omission, after Gil Tene's HdrHistogram and wrk2), and recorded per (event, subscriber) in an
 * HdrHistogram. After the fixed rates it searches for the highest rate the bus sustains: the publisher keeps within
 * 5 % of the rate, every event reaches every subscriber, and p99.9 stays under 100 ms (the seeds' bound).
 *
 * <p>Run: {@code java -cp benchmarks/target/benchmarks.jar dev.sluice.benchmarks.LatencyHarness} (see {@code
 * --help}); {@code --seconds 0.2 --warmup 0.1 --no-search} is the CI smoke. Not a JMH benchmark: JMH measures
 * throughput of a closed loop, and a latency figure needs an open, paced loop.
 */
@Command(
        name = "latency",
        mixinStandardHelpOptions = true,
        description = "Publish→outcome latency at fixed rates, Sluice bus vs Reactor hand-off, 4 subscribers.")
public final class LatencyHarness implements Callable<Integer> {

    static final int SUBSCRIBERS = 4;
    /** The sustained-rate search stops when p99.9 reaches this (the seeds asked for p99 < 100 ms). */
    static final long SUSTAINED_P999_MICROS = 100_000;

    @Option(
            names = "--rates",
            split = ",",
            defaultValue = "10000,100000",
            description = "Fixed rates, events/s (default: ${DEFAULT-VALUE}).")
    List<Integer> rates = List.of(10_000, 100_000);

    @Option(names = "--seconds", defaultValue = "5", description = "Measured seconds per rate (default: 5).")
    double seconds = 5;

    @Option(names = "--warmup", defaultValue = "2", description = "Warm-up seconds per rate (default: 2).")
    double warmup = 2;

    @Option(names = "--no-search", description = "Skip the search for the highest sustained rate.")
    boolean noSearch;

    @Option(names = "--json", description = "Also write the results as JSON to this file.")
    @Nullable
    File json;

    public static void main(String[] args) {
        System.exit(new CommandLine(new LatencyHarness()).execute(args));
    }

    @Override
    public Integer call() throws IOException {
        List<Result> results = new ArrayList<>();
        for (int rate : rates) {
            results.add(run(new LatencyShapes.ReactorHandOff(SUBSCRIBERS), rate));
            results.add(run(new LatencyShapes.SluiceBus(SUBSCRIBERS), rate));
        }
        if (!noSearch) {
            results.addAll(searchSustained());
        }
        print(results);
        if (json != null) {
            ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("jdk", System.getProperty("java.version"));
            doc.put("cores", Runtime.getRuntime().availableProcessors());
            doc.put("subscribers", SUBSCRIBERS);
            doc.put("results", results);
            mapper.writeValue(json, doc);
        }
        return results.stream().allMatch(Result::complete) ? 0 : 1;
    }

    /** Double the rate from 200 k/s until the bus no longer sustains it; report the last rate that held. */
    private List<Result> searchSustained() {
        List<Result> found = new ArrayList<>();
        Result best = null;
        for (int rate = 200_000; rate <= 3_200_000; rate *= 2) {
            Result sluice = run(new LatencyShapes.SluiceBus(SUBSCRIBERS), rate);
            if (!sluice.sustained()) {
                break;
            }
            best = sluice;
        }
        if (best != null) {
            found.add(run(new LatencyShapes.ReactorHandOff(SUBSCRIBERS), best.rate()));
            found.add(best.asSustained());
        }
        return found;
    }

    /** Publish at {@code rate} for warm-up plus measurement, then wait until every event reached every subscriber. */
    Result run(LatencyShapes.Shape shape, int rate) {
        shape.start();
        try {
            long interval = 1_000_000_000L / rate;
            long warmupEvents = (long) (warmup * rate);
            long events = warmupEvents + Math.max(1, (long) (seconds * rate));
            long start = System.nanoTime() + 1_000_000;
            long worstLagNanos = 0;
            for (long i = 0; i < events; i++) {
                if (i == warmupEvents) {
                    shape.measureFrom(start + i * interval);
                }
                long intended = start + i * interval;
                long now = System.nanoTime();
                while (now < intended) {
                    if (intended - now > 50_000) {
                        LockSupport.parkNanos(intended - now - 20_000);
                    } else {
                        Thread.onSpinWait();
                    }
                    now = System.nanoTime();
                }
                worstLagNanos = Math.max(worstLagNanos, now - intended);
                shape.publish(intended);
            }
            long sentNanos = System.nanoTime() - (start + warmupEvents * interval);
            boolean complete = shape.awaitAll(events, Duration.ofSeconds(60));
            String accounting = shape.check(events);
            Histogram h = shape.histogram();
            double achieved = (events - warmupEvents) * 1e9 / Math.max(1, sentNanos);
            return new Result(
                    shape.name(),
                    rate,
                    Math.round(achieved),
                    h.getTotalCount(),
                    h.getValueAtPercentile(50),
                    h.getValueAtPercentile(99),
                    h.getValueAtPercentile(99.9),
                    h.getMaxValue(),
                    worstLagNanos / 1000,
                    complete && accounting == null,
                    accounting == null ? (complete ? "ok" : "not every event arrived within 60 s") : accounting,
                    false);
        } finally {
            shape.stop();
        }
    }

    private static void print(List<Result> results) {
        System.out.printf(
                "%n%-16s %10s %10s %10s %9s %9s %9s %9s  %s%n",
                "shape", "rate/s", "achieved", "samples", "p50 µs", "p99 µs", "p99.9 µs", "max µs", "check");
        for (Result r : results) {
            System.out.printf(
                    "%-16s %10d %10d %10d %9d %9d %9d %9d  %s%n",
                    r.shape() + (r.sustainedSearch() ? "*" : ""),
                    r.rate(),
                    r.achievedRate(),
                    r.samples(),
                    r.p50Micros(),
                    r.p99Micros(),
                    r.p999Micros(),
                    r.maxMicros(),
                    r.check());
        }
        for (Result sluice : results) {
            if (!sluice.shape().equals("sluiceBus")) {
                continue;
            }
            results.stream()
                    .filter(base -> base.shape().equals("reactorHandOff") && base.rate() == sluice.rate())
                    .findFirst()
                    .ifPresent(base -> System.out.printf(
                            "p99 ratio sluiceBus / reactorHandOff at %d/s: %.2f%n",
                            sluice.rate(), (double) sluice.p99Micros() / Math.max(1, base.p99Micros())));
        }
        System.out.println("* highest rate found that the bus sustains (p99.9 < 100 ms, every event delivered)");
    }

    /**
     * One shape at one rate. Latencies in microseconds from the event's intended send time to its handler at one
     * subscriber; {@code samples} counts (event, subscriber) pairs of the measured period.
     */
    record Result(
            String shape,
            int rate,
            long achievedRate,
            long samples,
            long p50Micros,
            long p99Micros,
            long p999Micros,
            long maxMicros,
            long worstPublishLagMicros,
            boolean complete,
            String check,
            boolean sustainedSearch) {

        boolean sustained() {
            return complete && achievedRate >= rate * 0.95 && p999Micros < SUSTAINED_P999_MICROS;
        }

        Result asSustained() {
            return new Result(
                    shape,
                    rate,
                    achievedRate,
                    samples,
                    p50Micros,
                    p99Micros,
                    p999Micros,
                    maxMicros,
                    worstPublishLagMicros,
                    complete,
                    check,
                    true);
        }
    }
}
