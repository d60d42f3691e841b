package dev.sluice.demo;

import dev.sluice.bus.DeadLetterQuery;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * The scripted story, run in-process against a full demo (its API and {@code /status} are up while it runs):
 *
 * <ol>
 *   <li>steady: the first 40 % of the orders at the target rate, downstream calm;
 *   <li>outage: the next 30 % with the downstream answering 503 — the inventory breaker opens and its worker pauses,
 *       its inbox fills and overflows into dead letters, e-mail fails into dead letters;
 *   <li>recovery: the rest with the downstream calm again — the breaker closes, the backlog drains, scheduled redrive
 *       (short delays) brings letters home; mail to {@code @bounce.example} never arrives, so those end parked.
 * </ol>
 *
 * Then the bus is closed and the accounting checked: for every subscriber {@code offered = delivered + recovered +
 * deadLettered + dropped} with nothing in flight. Runs on the calling thread (blocking waits there), never on a
 * Reactor thread.
 */
final class Scenario {

    private static final Logger log = LoggerFactory.getLogger(Scenario.class);
    private static final int SKUS = 20;
    /** One order in this many goes to a mailbox that never accepts mail. */
    private static final int HOPELESS_EVERY = 100;

    /**
     * @param events orders to publish
     * @param rate target orders per second
     * @param redriveDelays scheduled redrive delays
     * @param settleTimeout longest wait for drain and redrives after publishing
     * @param progress show a progress bar
     */
    record Params(int events, int rate, List<Duration> redriveDelays, Duration settleTimeout, boolean progress) {}

    private final DemoSettings settings;
    private final Params params;
    private final AtomicReference<String> phase = new AtomicReference<>("starting");
    private final LongAdder published = new LongAdder();

    /** Key prefix of the scenario's letters when run from the command line: apart from a served demo's. */
    static final String KEY_PREFIX = "sluice-scenario";

    Scenario(DemoSettings settings, Params params) {
        // the single-process story measures the in-process bus; the durable one across processes is issue 14 item 3
        this.settings = settings.mutate()
                .durable(false)
                .redrive(params.redriveDelays(), Duration.ofMillis(200), 2000)
                .breakerOpenWait(Duration.ofSeconds(1))
                .quietAlerts(true)
                .build();
        this.params = params;
    }

    /**
     * Run the story and return its report. Blocks the calling thread (the command's {@code main}) at each phase
     * boundary, which is why every {@code block} in this class is fine: never call it on a Reactor or Netty thread.
     */
    ScenarioReport run() throws Exception {
        LatencyRecorder latency = new LatencyRecorder(params.events() * Subscribers.ORDER_SUBSCRIBERS.size());
        long blockingBefore = BlockHoundMode.blockingCalls();
        try (DemoRuntime runtime = DemoRuntime.start(settings, latency)) {
            log.info("Scenario: {} orders at {}/s; watch {}/status", params.events(), params.rate(), runtime.baseUrl());
            Disposable progress = params.progress() ? progress() : () -> {};
            try {
                purgeEarlierRuns(runtime);
                warmUp(runtime);
                long start = System.nanoTime();
                publish(runtime);
                double publishSeconds = (System.nanoTime() - start) / 1e9;
                phase.set("draining");
                runtime.bus.whenIdle().block(params.settleTimeout());
                phase.set("redriving");
                boolean settled = settle(runtime);
                phase.set("closing");
                runtime.bus.close(Duration.ofSeconds(30)).block(Duration.ofSeconds(40));
                double totalSeconds = (System.nanoTime() - start) / 1e9;
                return report(runtime, latency, publishSeconds, totalSeconds, settled, blockingBefore);
            } finally {
                progress.dispose();
            }
        }
    }

    /**
     * Delete the letters an earlier run left under the scenario's key prefix (the embedded Redis keeps its data now),
     * so the report counts this run's letters only.
     */
    private static void purgeEarlierRuns(DemoRuntime runtime) {
        Long purged = Flux.fromIterable(Subscribers.ORDER_SUBSCRIBERS)
                .concatMap(runtime.store::purge)
                .reduce(0L, Long::sum)
                .block(Duration.ofSeconds(60)); // on run()'s thread (main)
        if (purged != null && purged > 0) {
            log.info("Scenario: deleted {} dead letters left by an earlier run", purged);
        }
    }

    /**
     * Call the downstream directly a few hundred times first, so the first orders do not pay for class loading, JIT
     * and connection setup with 200 ms timeouts (which would open the breaker before the outage does).
     */
    private void warmUp(DemoRuntime runtime) {
        phase.set("warming up");
        Flux.range(0, 400)
                .flatMap(
                        i -> runtime.downstreamClient
                                .get("/stock/SKU-" + (i % SKUS), "warm-up-" + i)
                                .onErrorResume(e -> Mono.empty()),
                        8)
                .then()
                .block(Duration.ofSeconds(60));
    }

    private void publish(DemoRuntime runtime) {
        int events = params.events();
        int steadyEnd = events * 4 / 10, outageEnd = events * 7 / 10;
        long start = System.nanoTime();
        AtomicInteger next = new AtomicInteger();
        phase.set("steady");
        // the load generator gets its own thread: on Schedulers.parallel() it would queue behind the bus's own
        // deliveries (and they behind it), which measures the scheduler queue rather than the bus
        Scheduler generator = Schedulers.newSingle("scenario-publisher");
        Flux.interval(Duration.ZERO, Duration.ofMillis(10), generator)
                .onBackpressureDrop()
                .concatMap(
                        tick -> {
                            long due =
                                    Math.min(events, (System.nanoTime() - start) * params.rate() / 1_000_000_000L + 1);
                            int from = next.get();
                            next.set((int) Math.max(from, due));
                            return Flux.range(from, next.get() - from);
                        },
                        1)
                .take(events)
                .doOnNext(i -> {
                    if (i == steadyEnd) {
                        phase.set("outage");
                        runtime.chaos.set(new Chaos.Settings(0, 0, true));
                    } else if (i == outageEnd) {
                        phase.set("recovery");
                        runtime.chaos.set(Chaos.Settings.CALM);
                    }
                })
                .flatMap(i -> runtime.bus.publish(Order.PLACED, order(i)), 256)
                .doOnNext(receipt -> published.increment())
                .then()
                .doFinally(signal -> generator.dispose())
                .block(Duration.ofSeconds(events / Math.max(1, params.rate()) + 600));
        runtime.chaos.set(Chaos.Settings.CALM);
    }

    /** Wait until no order subscriber has a live (not parked) letter left, or the timeout. */
    private boolean settle(DemoRuntime runtime) {
        Boolean settled = Flux.interval(Duration.ZERO, Duration.ofMillis(200))
                .onBackpressureDrop()
                .concatMap(tick -> liveLetters(runtime), 1)
                .filter(live -> live == 0)
                .next()
                .map(zero -> true)
                .timeout(params.settleTimeout(), Mono.just(false))
                .block(); // on run()'s thread (main), bounded by the timeout above
        return Boolean.TRUE.equals(settled);
    }

    private static Mono<Long> liveLetters(DemoRuntime runtime) {
        return Flux.fromIterable(Subscribers.ORDER_SUBSCRIBERS)
                .concatMap(name -> runtime.store.count(DeadLetterQuery.of(name)))
                .reduce(0L, Long::sum);
    }

    static Order order(int i) {
        String email =
                i % HOPELESS_EVERY == 7 ? "customer" + i + Downstream.HOPELESS_DOMAIN : "customer" + i + "@example.com";
        return new Order("order-" + i, email, "SKU-" + (i % SKUS), 1 + i % 5);
    }

    private Disposable progress() {
        ProgressBar bar = new ProgressBarBuilder()
                .setTaskName("orders")
                .setInitialMax(params.events())
                .setStyle(ProgressBarStyle.ASCII)
                .setUpdateIntervalMillis(250)
                .showSpeed()
                .build();
        // a plain timer thread: the bar's own methods synchronize, so they stay off Reactor's non-blocking threads
        Disposable ticks = Flux.interval(Duration.ofMillis(250), Schedulers.boundedElastic())
                .subscribe(tick -> {
                    bar.stepTo(published.sum());
                    bar.setExtraMessage(phase.get());
                });
        return () -> {
            ticks.dispose();
            bar.stepTo(published.sum());
            bar.setExtraMessage(phase.get());
            bar.close();
        };
    }

    private ScenarioReport report(
            DemoRuntime runtime,
            LatencyRecorder latency,
            double publishSeconds,
            double totalSeconds,
            boolean settled,
            long blockingBefore) {
        // the handles, not bus.stats(): a closed bus has let go of its subscribers, the handles keep their accounting
        List<ScenarioReport.Row> rows = runtime.subscribers.handles().values().stream()
                .map(handle -> ScenarioReport.Row.of(handle.name(), handle.stats(), runtime))
                .toList();
        return new ScenarioReport(
                params.events(),
                params.rate(),
                published.sum(),
                publishSeconds,
                totalSeconds,
                rows,
                runtime.subscribers.breakerTransitions(),
                latency.summary(),
                settled,
                BlockHoundMode.installed(),
                BlockHoundMode.blockingCalls() - blockingBefore,
                "Redis streams " + settings.storeKeyPrefix() + ":dlq:{<subscriber>}");
    }
}
