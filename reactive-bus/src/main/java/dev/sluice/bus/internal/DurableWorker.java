package dev.sluice.bus.internal;

import dev.sluice.bus.DeadLetterReason;
import dev.sluice.bus.SubscriberHealth;
import dev.sluice.bus.SubscriberStats;
import dev.sluice.bus.spi.TransportConsumer;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.util.retry.Retry;

/**
 * One durable subscriber at work on this instance, and the handle {@code EventBus.subscribe} returns (docs/DESIGN.md,
 * "Durable types"; docs/BUS.md, "Durable subscribers"): its {@link DurableFeed} reads its type's partitions through
 * its {@link TransportConsumer}, sized by its free inbox slots, while its {@link Gate} is open; each entry runs as a
 * {@link DurableDelivery} (in {@link KeyOrder} if ordered by key) whose letters go through {@link DeadLettering};
 * {@link Settlement} acknowledges each entry once its outcome is final, or releases it; {@link Counters} account for
 * every entry this instance read (promise 1, with {@code released}); {@link Health} folds in the consumer's health;
 * {@link DurableShutdown} stops it. This class wires the parts. Thread-safe.
 */
final class DurableWorker<T> implements BusWorker, Gate.Worker {

    private static final Logger log = LoggerFactory.getLogger(DurableWorker.class);

    final SubscriberSettings<T> settings;
    final BusContext bus;
    final TransportConsumer<T> consumer;
    final Scheduler.Worker drainer;
    final Counters counters = new Counters();
    final Gate gate;
    final DurableFeed<T> feed;
    final Health health;
    final DeadLettering<T> letters;
    final KeyOrder keys = new KeyOrder();
    final Settlement<T> settlement;
    final DurableShutdown<T> shutdown;
    final Redriver<T> redriver;
    private final Mono<Void> declared;
    private final Consumer<DurableWorker<T>> onRemoved;
    private final Disposable.Composite watchers = Disposables.composite();

    /**
     * Create the worker of durable subscriber {@code settings} reading through {@code consumer} once {@code declared}
     * (its type's declaration) completed; {@code onRemoved} takes it off the bus's lists when it shuts down.
     */
    DurableWorker(
            SubscriberSettings<T> settings,
            BusContext bus,
            TransportConsumer<T> consumer,
            Mono<Void> declared,
            Consumer<DurableWorker<T>> onRemoved) {
        this.settings = settings;
        this.bus = bus;
        this.consumer = consumer;
        this.declared = declared;
        this.onRemoved = onRemoved;
        this.drainer = bus.delivery().createWorker();
        this.gate = new Gate(settings, bus.scheduler(), this);
        this.feed = new DurableFeed<>(this);
        this.health = new Health(settings, bus, feed, this::consumerHealth);
        this.letters = new DeadLettering<>(settings, bus, counters, health);
        this.settlement = new Settlement<>(this);
        this.shutdown = new DurableShutdown<>(this);
        this.redriver = new Redriver<>(settings, bus);
    }

    /** Start reading once the type is declared (retried while the declaration fails), and the watchers. */
    void start() {
        watchers.add(declared.retryWhen(Retry.backoff(Long.MAX_VALUE, BusContext.STORE_RETRY_MIN)
                        .maxBackoff(BusContext.STORE_RETRY_MAX)
                        .scheduler(bus.scheduler())
                        .doBeforeRetry(signal -> {
                            if (signal.totalRetries() == 0) {
                                log.warn(
                                        "Subscriber '{}' waits for its durable type '{}' to be declared",
                                        name(),
                                        settings.type().name(),
                                        signal.failure());
                            }
                        }))
                .subscribe(null, error -> log.error("Subscriber '{}' cannot start", name(), error), feed::open));
        watchers.add(health.watch());
        var redrive = settings.redrive();
        if (redrive != null) {
            CircuitBreaker breaker = settings.policy().circuitBreaker();
            watchers.add(redriver.start(redrive, breaker, () -> feed.size() * 2 >= feed.capacity()));
        }
    }

    private SubscriberHealth consumerHealth() {
        try {
            return consumer.health();
        } catch (RuntimeException error) {
            return new SubscriberHealth(SubscriberHealth.Status.DEGRADED, "consumer health failed: " + error);
        }
    }

    @Override
    public String name() {
        return settings.name();
    }

    @Override
    public String typeName() {
        return settings.type().name();
    }

    @Override
    public SubscriberStats stats() {
        return counters.stats();
    }

    @Override
    public SubscriberHealth health() {
        return health.now();
    }

    @Override
    public Counters counters() {
        return counters;
    }

    @Override
    public Redriver<?> redriver() {
        return redriver;
    }

    @Override
    public int queued() {
        return feed.queued();
    }

    @Override
    public void timeHandlingWith(Timer timer) {
        counters.timeHandlingWith(timer);
    }

    /** Stop reading, let in-flight handlers finish within the spec's grace, release the rest; no letters. */
    @Override
    public Mono<Void> dispose() {
        return shutdown.begin(settings.disposeGrace());
    }

    /** Stop as {@link #dispose()} does, within {@code grace}: a durable subscriber never letters on shutdown. */
    @Override
    public Mono<Void> shutdown(Duration grace, DeadLetterReason reason, boolean stopTaking) {
        return shutdown.begin(grace);
    }

    @Override
    public Mono<Void> terminated() {
        return shutdown.terminated();
    }

    /** Return whether the store is refusing this subscriber's letters now: then nothing more is read. */
    boolean storeRefusing() {
        return health.storeRefusing();
    }

    /** Release what the constructor took, for a subscriber that was never started (duplicate name). */
    void discard() {
        drainer.dispose();
    }

    /** Stop the watchers and leave the bus's lists: the first step of shutdown. */
    void leave() {
        watchers.dispose();
        onRemoved.accept(this);
    }

    @Override
    public int handling() {
        return feed.handling();
    }

    @Override
    public void drain() {
        feed.drain();
    }
}
