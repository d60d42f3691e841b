package dev.sluice.bus.internal;

import dev.sluice.bus.DeadLetterReason;
import dev.sluice.bus.Event;
import dev.sluice.bus.Outcome;
import dev.sluice.bus.SubscriberHealth;
import dev.sluice.bus.SubscriberStats;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.function.Consumer;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * One subscriber at work, and the handle {@code EventBus.subscribe} returns: reads its {@link Inbox} through its
 * {@link Gate} with a {@link Reader}, runs each event as a {@link Delivery} (in {@link KeyOrder} if ordered by key),
 * writes its letters through {@link DeadLettering}, accounts for every event exactly once in its {@link Counters}
 * (docs/DESIGN.md promise 1), reports its {@link Health}, and stops through its {@link Shutdown}. This class wires the
 * parts and is what publishers and the bus talk to. Thread-safe.
 */
final class SubscriberWorker<T> implements BusWorker, Gate.Worker {

    final SubscriberSettings<T> settings;
    final BusContext bus;
    final Scheduler.Worker drainer;
    final Counters counters = new Counters();
    final Gate gate;
    final Inbox<Event<T>> inbox;
    final Health health;
    final DeadLettering<T> letters;
    final KeyOrder keys = new KeyOrder();
    final Reader<T> reader;
    final Shutdown<T> shutdown;
    final Redriver<T> redriver;
    private final Consumer<SubscriberWorker<T>> onRemoved;
    private final Disposable.Composite watchers = Disposables.composite();
    private volatile boolean started;

    SubscriberWorker(SubscriberSettings<T> settings, BusContext bus, Consumer<SubscriberWorker<T>> onRemoved) {
        this.settings = settings;
        this.bus = bus;
        this.onRemoved = onRemoved;
        this.drainer = bus.delivery().createWorker();
        this.gate = new Gate(settings, bus.scheduler(), this);
        this.inbox = new Inbox<>(settings.inboxSize(), gate, drainer);
        this.health = new Health(settings, bus, inbox);
        this.letters = new DeadLettering<>(settings, bus, counters, health);
        this.reader = new Reader<>(this);
        this.shutdown = new Shutdown<>(this);
        this.redriver = new Redriver<>(settings, bus);
    }

    /** Start reading the inbox, and the watchers: health, breaker changes, scheduled redrive. */
    void start() {
        started = true;
        inbox.subscribe(reader);
        if (settings.bestEffort()) {
            return; // failures while handling system events never produce further system events
        }
        watchers.add(health.watch());
        var redrive = settings.redrive();
        if (redrive != null) {
            CircuitBreaker breaker = settings.policy().circuitBreaker();
            // busy: overflowing, or the inbox at least half full (the level overflow mode waits for)
            watchers.add(redriver.start(
                    redrive, breaker, () -> inbox.overflowing() || inbox.size() * 2 >= inbox.capacity()));
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
    public Counters counters() {
        return counters;
    }

    @Override
    public Redriver<?> redriver() {
        return redriver;
    }

    @Override
    public int queued() {
        return inbox.size();
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
    public Mono<Void> dispose() {
        return shutdown.begin(settings.disposeGrace(), DeadLetterReason.UNSUBSCRIBED, true);
    }

    /**
     * Count an event routed to this subscriber; called by the publisher before it offers. Returns false, counting
     * nothing, if the subscriber has finished shutting down: a publish that read the subscriber list just before the
     * subscriber left must not add an event after shutdown saw none in flight.
     */
    boolean accept() {
        counters.offered.increment();
        counters.inFlight.increment();
        // Dekker-style with the final check in Shutdown: it sets sealed, then reads inFlight; here the other way
        // round, so either that check sees this event, or this sees sealed and takes the event back
        if (shutdown.sealed()) {
            counters.inFlight.decrement();
            counters.offered.decrement();
            return false;
        }
        return true;
    }

    /** Count an event a best-effort subscriber's full (or closed) inbox could not take. */
    void drop() {
        counters.ended(Outcome.DROPPED);
    }

    /** Return whether the store is refusing this subscriber's letters now. */
    boolean storeRefusing() {
        return health.storeRefusing();
    }

    /** Dead-letter {@code event} (already {@linkplain #accept() accepted}) without handling it. */
    Mono<Void> deadLetterNow(Event<T> event, DeadLetterReason reason) {
        return letters.deadLetterNow(event, reason);
    }

    /** Return the reason for events that arrive after shutdown began (a publish racing it). */
    DeadLetterReason closingReason() {
        return shutdown.closingReason();
    }

    /**
     * Stop: take no new events, let in-flight handlers finish within {@code grace} (for close, keep draining the
     * inbox too), then cancel and dead-letter the rest with {@code reason}.
     */
    @Override
    public Mono<Void> shutdown(Duration grace, DeadLetterReason reason, boolean stopTaking) {
        return shutdown.begin(grace, reason, stopTaking);
    }

    /** Return a {@code Mono} that completes once this subscriber has shut down and every event has an outcome. */
    @Override
    public Mono<Void> terminated() {
        return shutdown.terminated();
    }

    /** Release what the constructor took, for a subscriber that was never started (duplicate name). */
    void discard() {
        drainer.dispose();
    }

    /** Time each event's handling with {@code timer} from now on (metrics bound). */
    @Override
    public void timeHandlingWith(Timer timer) {
        counters.timeHandlingWith(timer);
    }

    /** Stop the watchers and leave the bus's lists: the first step of shutdown. */
    void leave() {
        watchers.dispose();
        onRemoved.accept(this);
    }

    /** Stop reading and cancel the events taken (each dead-letters itself); on the drainer, during shutdown. */
    void stopReading() {
        if (started) {
            reader.dispose();
        }
    }

    @Override
    public int handling() {
        return reader.handling();
    }

    @Override
    public void drain() {
        inbox.drain();
    }
}
