package dev.sluice.demo;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * {@code scenario}: run the scripted story (steady → outage → recovery) against a freshly started demo, print the
 * report and optionally write it as JSON. Exit code 0 only if the accounting invariant holds for every subscriber (and,
 * with {@code --blockhound}, nothing blocked). With {@code --instances K} (K ≥ 2) it runs the scenario across processes
 * instead ({@link ClusterScenario}): exit code 0 only if nothing is lost, no key is out of order and the audit balances.
 */
@Command(
        name = "scenario",
        mixinStandardHelpOptions = true,
        description = {
            "Run steady traffic, a downstream outage and the recovery; print the report.",
            "With --instances K (K >= 2): start K demo instances as child JVMs on one Redis and one recording "
                    + "downstream, publish through them, kill -9 one at --kill-at, restart it at --restart-at, drain, "
                    + "and check that nothing was lost and no key went out of order."
        })
final class ScenarioCommand implements Callable<Integer> {

    private static final Logger log = LoggerFactory.getLogger(ScenarioCommand.class);

    @Mixin
    DemoOptions options = new DemoOptions();

    @Option(names = "--events", defaultValue = "50000", description = "Orders to publish (default ${DEFAULT-VALUE}).")
    int events;

    @Option(
            names = "--rate",
            defaultValue = "5000",
            description = "Target orders per second (default ${DEFAULT-VALUE}).")
    int rate;

    @Option(names = "--report", description = "Write the report as JSON to this file.")
    @Nullable
    Path report;

    @Option(
            names = "--redrive-delays",
            defaultValue = "1s,2s,5s",
            description = "Scheduled redrive delays, comma-separated (default ${DEFAULT-VALUE}).")
    String redriveDelays = "1s,2s,5s";

    @Option(
            names = "--settle-timeout",
            defaultValue = "120s",
            description = "Longest wait for the backlog and the redrives to settle (default ${DEFAULT-VALUE}).")
    String settleTimeout = "120s";

    @Option(
            names = "--progress",
            negatable = true,
            defaultValue = "true",
            description = "Show a progress bar (--no-progress: none).")
    boolean progress = true;

    @Option(
            names = "--instances",
            defaultValue = "1",
            description = "Demo instances; 2 or more runs the scenario across processes (default ${DEFAULT-VALUE}).")
    int instances = 1;

    @Option(
            names = "--kill-at",
            description = "With --instances: kill -9 instance i1 this long after the first publish (2, 2s, 500ms).")
    @Nullable
    String killAt;

    @Option(
            names = "--restart-at",
            description = "With --kill-at: start i1 again on its files this long after the first publish.")
    @Nullable
    String restartAt;

    @Option(
            names = "--drain-timeout",
            defaultValue = "120s",
            description = "With --instances: longest wait after publishing for every order's first outcome "
                    + "(default ${DEFAULT-VALUE}).")
    String drainTimeout = "120s";

    @Override
    public Integer call() throws Exception {
        if (instances >= 2) {
            return cluster();
        }
        if (instances < 1 || killAt != null || restartAt != null) {
            throw new ParameterException(
                    new CommandLine(this),
                    "--kill-at and --restart-at need --instances >= 2, but --instances was " + instances);
        }
        if (events < 10 || rate < 1) {
            throw new ParameterException(new CommandLine(this), "--events must be >= 10 and --rate >= 1");
        }
        if (options.blockhound) {
            BlockHoundMode.install();
        }
        Scenario.Params params =
                new Scenario.Params(events, rate, durations(redriveDelays), duration(settleTimeout), progress);
        // its own journal directory and Redis keys, so it can run beside a served demo on the same Redis
        DemoSettings settings = options.settings()
                .mutate()
                .dataDir(options.dataDir.resolve("scenario"))
                .storeKeyPrefix(Scenario.KEY_PREFIX)
                .build();
        ScenarioReport result = new Scenario(settings, params).run();
        System.out.println(result.table());
        if (report != null) {
            Files.writeString(report, result.json().toPrettyString());
            log.info("Report written to {}", report.toAbsolutePath());
        }
        if (!result.passed()) {
            log.error("Scenario FAILED: {}", result.verdict());
            return 1;
        }
        log.info("Scenario passed: {}", result.verdict());
        return 0;
    }

    /** The scenario across processes; its files in {@code <data dir>/cluster}, its keys under {@code sluice-cluster}. */
    private int cluster() throws Exception {
        ClusterScenario.Params params;
        try {
            params = new ClusterScenario.Params(
                    events,
                    rate,
                    instances,
                    killAt == null ? null : duration(killAt),
                    restartAt == null ? null : duration(restartAt),
                    duration(drainTimeout),
                    options.dataDir.resolve("cluster"),
                    options.redisUrl == null || options.redisUrl.isBlank() ? null : options.redisUrl,
                    ClusterScenario.KEY_PREFIX,
                    System.getProperty("java.class.path"),
                    options.blockhound);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(new CommandLine(this), e.getMessage(), e);
        }
        ClusterReport result = new ClusterScenario(params).run();
        System.out.println(result.table());
        if (report != null) {
            Files.writeString(report, result.json().toPrettyString());
            log.info("Report written to {}", report.toAbsolutePath());
        }
        if (!result.passed()) {
            log.error("Scenario FAILED: {}", result.verdict());
            return 1;
        }
        log.info("Scenario passed: {}", result.verdict());
        return 0;
    }

    static List<Duration> durations(String text) {
        List<Duration> list = new ArrayList<>();
        for (String part : text.split(",")) {
            list.add(duration(part.trim()));
        }
        return list;
    }

    /** Parse {@code 250ms}, {@code 2s}, {@code 1m}, or a number of seconds ({@code 2}, {@code 1.5}). */
    static Duration duration(String text) {
        String t = text.toLowerCase(Locale.ROOT);
        try {
            if (t.matches("\\d+(\\.\\d+)?")) {
                return Duration.ofMillis((long) (Double.parseDouble(t) * 1000));
            }
            if (t.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
            }
            if (t.endsWith("s")) {
                return Duration.ofMillis((long) (Double.parseDouble(t.substring(0, t.length() - 1)) * 1000));
            }
            if (t.endsWith("m")) {
                return Duration.ofMinutes(Long.parseLong(t.substring(0, t.length() - 1)));
            }
        } catch (NumberFormatException e) {
            // fall through to the error below
        }
        throw new IllegalArgumentException("not a duration like 250ms, 2s or 1m: '" + text + "'");
    }
}
