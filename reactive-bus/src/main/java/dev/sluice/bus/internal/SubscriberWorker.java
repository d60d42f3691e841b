package dev.sluice.bus.internal;

import dev.sluice.bus.BreakerOpenPolicy;
import dev.sluice.bus.DeadLetter;
import dev.sluice.bus.DeadLetterReason;
import dev.sluice.bus.Event;
import dev.sluice.bus.SubscriberHandle;
import dev.sluice.bus.SubscriberHealth;
import dev.sluice.bus.SubscriberStats;
import dev.sluice.bus.SystemEvents;
import dev.sluice.policy.Failure;
import dev.sluice.policy.ResiliencePolicy;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscription;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.CoreSubscriber;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.util.context.Context;

/**
 * One subscriber at work: reads its {@link Inbox}, runs each event through the handler under the subscriber's policy
 * (with the subscriber's fallback, or a dead letter, as the policy's per-call fallback), and accounts for every event
 * exactly once (DESIGN.md promise 1).
 */
public final class SubscriberWorker<T> implements SubscriberHandle, BusContext.StoreState {

    private static final Logger log = LoggerFactory.getLogger(SubscriberWorker.class);

    /** A subscriber's settings, resolved from its {@code SubscriberSpec}. */
    public record Settings<T>(
            String name,
            Function<? super Event<T>, ? extends @Nullable Publisher<?>> handler,
            ResiliencePolicy policy,
            @Nullable BiFunction<? super Event<T>, Failure, ? extends Publisher<?>> fallback,
            int concurrency,
            boolean orderedByKey,
            int inboxSize,
            boolean deadLetterOnOverflow,
            Duration maxPublishWait,
            BreakerOpenPolicy onBreakerOpen,
            Duration disposeGrace,
            boolean bestEffort,
            @Nullable RateLimiterConfig pacing,
            dev.sluice.bus.EventType<T> type,
            dev.sluice.bus.@Nullable RedrivePolicy redrive) {}

    /** How often a subscriber's health is re-evaluated (changes are published as system events). */
    static final Duration HEALTH_INTERVAL = Duration.ofSeconds(1);

    final Settings<T> settings;
    final BusContext bus;
    final Inbox<Event<T>> inbox;
    private final @Nullable CircuitBreaker pauseOn;
    private final @Nullable RateLimiter pacing;
    private final Map<String, ArrayDeque<Runnable>> busyKeys = new ConcurrentHashMap<>();
    private final Sinks.Empty<Void> finished = Sinks.empty();
    private final Runnable onRemoved;
    private final reactor.core.scheduler.Scheduler.Worker drainer;
    private final Reader reader;

    final LongAdder offered = Padded.adder();
    final LongAdder delivered = Padded.adder();
    final LongAdder recovered = Padded.adder();
    final LongAdder deadLettered = Padded.adder();
    final LongAdder inFlight = Padded.adder();
    final LongAdder dropped = Padded.adder();
    private volatile io.micrometer.core.instrument.@Nullable Timer handlerTimer; // set when metrics are bound
    private volatile SubscriberHealth lastHealth = SubscriberHealth.healthy();
    private final Disposable.Composite watchers = reactor.core.Disposables.composite();
    private final Map<DeadLetterReason, LongAdder> lettersWritten = new java.util.EnumMap<>(DeadLetterReason.class);

    private volatile boolean storeRefusing;
    private volatile boolean stopping; // disposing: take nothing more from the inbox
    private volatile boolean halted; // shutdown is cancelling the handlers: start no event waiting for its key
    private volatile @Nullable Disposable work;
    private final java.util.concurrent.atomic.AtomicBoolean recheckArmed =
            new java.util.concurrent.atomic.AtomicBoolean();
    private final Sinks.Empty<Void> terminated = Sinks.empty();
    private volatile int shuttingDown;

    @SuppressWarnings("rawtypes")
    private static final java.util.concurrent.atomic.AtomicIntegerFieldUpdater<SubscriberWorker> SHUTTING_DOWN =
            java.util.concurrent.atomic.AtomicIntegerFieldUpdater.newUpdater(SubscriberWorker.class, "shuttingDown");

    public SubscriberWorker(Settings<T> settings, BusContext bus, Runnable onRemoved) {
        this.settings = settings;
        this.bus = bus;
        this.onRemoved = onRemoved;
        this.pauseOn = settings.onBreakerOpen() == BreakerOpenPolicy.PAUSE
                ? settings.policy().circuitBreaker()
                : null;
        this.pacing = settings.pacing() == null ? null : RateLimiter.of(settings.name() + "-pacing", settings.pacing());
        this.drainer = bus.delivery().createWorker();
        this.inbox = new Inbox<>(settings.inboxSize(), this::mayTakeNext, drainer);
        this.reader = new Reader();
        for (DeadLetterReason reason : DeadLetterReason.values()) {
            lettersWritten.put(reason, new LongAdder());
        }
        this.redriver = new Redriver<>(settings, bus);
    }

    private final Redriver<T> redriver;

    /** Return what redrives this subscriber's dead letters. */
    public Redriver<T> redriver() {
        return redriver;
    }

    /** New letters of a subscriber with a redrive policy are due after the policy's first delay. */
    @Override
    public java.time.@Nullable Instant redriveAt(DeadLetter letter) {
        var policy = settings.redrive();
        return policy == null
                ? null
                : letter.lastFailedAt().plus(policy.delays().get(0));
    }

    /** Return how many letters with {@code reason} the store acknowledged for this subscriber. */
    public long lettersWritten(DeadLetterReason reason) {
        return lettersWritten.get(reason).sum();
    }

    /** Return the current {@link SubscriberStats#delivered()} etc. by outcome, for metrics. */
    public long handled(dev.sluice.bus.Outcome outcome) {
        return switch (outcome) {
            case DELIVERED -> delivered.sum();
            case RECOVERED -> recovered.sum();
            case DEAD_LETTERED -> deadLettered.sum();
            case DROPPED -> 0;
        };
    }

    /** Start reading the inbox. */
    public void start() {
        work = reader;
        inbox.subscribe(reader);
        if (settings.bestEffort()) {
            return; // failures while handling system events never produce further system events
        }
        CircuitBreaker breaker = settings.policy().circuitBreaker();
        if (breaker != null) {
            watchers.add(settings.policy().events().subscribe(change -> bus.system()
                    .publish(
                            SystemEvents.CIRCUIT_STATE_CHANGED,
                            new SystemEvents.CircuitStateChanged(
                                    settings.name(),
                                    change.policy(),
                                    change.from().name(),
                                    change.to().name(),
                                    change.at()))));
        }
        watchers.add(Flux.interval(HEALTH_INTERVAL, bus.scheduler()).subscribe(tick -> checkHealth()));
        var redrive = settings.redrive();
        if (redrive != null) {
            // busy: overflowing, or the inbox at least half full (the level overflow mode waits for)
            watchers.add(redriver.start(
                    redrive, breaker, () -> inbox.overflowing() || inbox.size() * 2 >= inbox.capacity()));
        }
    }

    /** Return the subscriber's health now (see {@link SubscriberHealth}). */
    @Override
    public SubscriberHealth health() {
        if (storeRefusing) {
            return new SubscriberHealth(
                    SubscriberHealth.Status.UNHEALTHY, "the dead-letter store refuses letters; events are held");
        }
        CircuitBreaker breaker = settings.policy().circuitBreaker();
        CircuitBreaker.State state = breaker == null ? CircuitBreaker.State.CLOSED : breaker.getState();
        if (state == CircuitBreaker.State.OPEN || state == CircuitBreaker.State.FORCED_OPEN) {
            return new SubscriberHealth(SubscriberHealth.Status.UNHEALTHY, "circuit breaker " + state);
        }
        if (state == CircuitBreaker.State.HALF_OPEN) {
            return new SubscriberHealth(SubscriberHealth.Status.DEGRADED, "circuit breaker half-open");
        }
        if (inbox.overflowing() || inbox.size() * 5L >= inbox.capacity() * 4L) {
            return new SubscriberHealth(
                    SubscriberHealth.Status.DEGRADED,
                    "inbox " + inbox.size() + "/" + inbox.capacity() + (inbox.overflowing() ? ", overflowing" : ""));
        }
        if (breaker != null) {
            float rate = breaker.getMetrics().getFailureRate();
            float threshold = breaker.getCircuitBreakerConfig().getFailureRateThreshold();
            if (rate >= 0 && rate >= threshold / 2) {
                return new SubscriberHealth(
                        SubscriberHealth.Status.DEGRADED,
                        "recent failure rate " + rate + "% (breaker opens at " + threshold + "%)");
            }
        }
        var store = bus.store().health();
        if (store.status() != dev.sluice.bus.DeadLetterStore.StoreHealth.Status.UP) {
            return new SubscriberHealth(
                    SubscriberHealth.Status.DEGRADED, "dead-letter store " + store.status() + ": " + store.reason());
        }
        return SubscriberHealth.healthy();
    }

    private void checkHealth() {
        SubscriberHealth now = health();
        SubscriberHealth before = lastHealth;
        if (now.status() != before.status()) {
            lastHealth = now;
            bus.system()
                    .publish(
                            SystemEvents.SUBSCRIBER_HEALTH_CHANGED,
                            new SystemEvents.SubscriberHealthChanged(
                                    settings.name(),
                                    before.status(),
                                    now.status(),
                                    now.reason(),
                                    bus.clock().instant()));
        }
    }

    /** Time each event's handling (start to outcome) with {@code timer}; costs nothing until called. */
    public void timeHandlingWith(io.micrometer.core.instrument.Timer timer) {
        this.handlerTimer = timer;
    }

    /** Count an event a best-effort subscriber's full (or closed) inbox could not take. */
    public void drop() {
        dropped.increment();
        inFlight.decrement();
    }

    private void recorded(DeadLetter letter) {
        if (!settings.bestEffort()) {
            bus.system()
                    .publish(
                            SystemEvents.DEAD_LETTER_RECORDED,
                            new SystemEvents.DeadLetterRecorded(
                                    letter.subscriber(),
                                    letter.letterId(),
                                    letter.eventId(),
                                    letter.eventType(),
                                    letter.reason(),
                                    letter.deadLetteredAt()));
        }
    }

    @Override
    public String name() {
        return settings.name();
    }

    @Override
    public SubscriberStats stats() {
        // read inFlight first: an event moving from in-flight to an outcome is then counted at most twice, never lost
        long flying = inFlight.sum();
        return new SubscriberStats(
                offered.sum(), delivered.sum(), recovered.sum(), deadLettered.sum(), dropped.sum(), flying);
    }

    /** Return whether the store is refusing this subscriber's letters now. */
    public boolean storeRefusing() {
        return storeRefusing;
    }

    /**
     * Count an event routed to this subscriber; called by the publisher before it offers. Returns false, counting
     * nothing, if the subscriber has finished shutting down: a publish that read the subscriber list just before the
     * subscriber left must not add an event after shutdown saw none in flight.
     */
    public boolean accept() {
        offered.increment();
        inFlight.increment();
        // Dekker-style with the final check in begin(): it sets sealed, then reads inFlight; here the other way round,
        // so either that check sees this event, or this sees sealed and takes the event back
        if (sealed) {
            inFlight.decrement();
            offered.decrement();
            return false;
        }
        return true;
    }

    private volatile boolean sealed;

    // --- the inbox gate: breaker pause (promise 6) and dispose -------------------------------------------------

    private boolean mayTakeNext() {
        if (stopping) {
            return false;
        }
        if (!breakerAllows()) {
            return false;
        }
        RateLimiter pace = pacing;
        if (pace != null && !pace.acquirePermission()) {
            recheckIn(Math.max(
                    1, pace.getRateLimiterConfig().getLimitRefreshPeriod().toMillis() / 10));
            return false; // pacing slows the reading of the inbox; nothing is rejected
        }
        return true;
    }

    private boolean breakerAllows() {
        CircuitBreaker breaker = pauseOn;
        if (breaker == null) {
            return true;
        }
        switch (breaker.getState()) {
            case CLOSED, DISABLED, METRICS_ONLY:
                return true;
            case HALF_OPEN:
                return reader.handling() < breaker.getCircuitBreakerConfig().getPermittedNumberOfCallsInHalfOpenState();
            case OPEN:
                if (breaker.tryAcquirePermission()) { // the wait is over: now HALF_OPEN
                    breaker.releasePermission();
                    return reader.handling() == 0;
                }
                recheckLater(breaker);
                return false;
            default: // FORCED_OPEN
                recheckLater(breaker);
                return false;
        }
    }

    /** While paused, look again every tenth of the breaker's wait in open (10 ms to 1 s). */
    private void recheckLater(CircuitBreaker breaker) {
        long waitMillis = breaker.getCircuitBreakerConfig()
                .getWaitIntervalFunctionInOpenState()
                .apply(1);
        recheckIn(Math.min(1000, Math.max(10, waitMillis / 10)));
    }

    /** Drain again after {@code every} ms: the gate may open by then. */
    private void recheckIn(long every) {
        if (!recheckArmed.compareAndSet(false, true)) {
            return; // one re-check at a time (armed before scheduling: the task may run before schedule returns)
        }
        bus.scheduler()
                .schedule(
                        () -> {
                            recheckArmed.set(false);
                            inbox.drain();
                        },
                        every,
                        TimeUnit.MILLISECONDS);
    }

    // --- handling -----------------------------------------------------------------------------------------------

    /**
     * Reads the inbox: asks it for {@code concurrency} events, starts each one as it arrives, and asks for one more as
     * each ends. What {@code flatMap(…, concurrency, 1)} did, without an inner subscriber and its machinery per event.
     * Every event taken and not yet ended (running, or waiting for its key) holds one of {@code concurrency} slots, so
     * {@link #dispose()} can cancel them all. The inbox signals on the drainer; deliveries end on any thread.
     */
    private final class Reader implements CoreSubscriber<Event<T>>, Disposable {
        private final AtomicReferenceArray<@Nullable Delivery> running =
                new AtomicReferenceArray<>(settings.concurrency());
        private volatile @Nullable Subscription upstream;
        private volatile boolean cancelled;
        private volatile boolean complete;
        private int nextSlot; // drainer only

        @Override
        public void onSubscribe(Subscription s) {
            upstream = s;
            s.request(running.length());
        }

        @Override
        public void onNext(Event<T> event) {
            Delivery delivery = new Delivery(event, freeSlot());
            running.lazySet(delivery.slot, delivery); // read by dispose and onComplete: both on this thread
            String key = settings.orderedByKey() ? event.key() : null;
            if (key == null) {
                delivery.startNow();
            } else if (takeKey(key, delivery::start)) {
                delivery.start();
            }
        }

        /** Demand never exceeds the free slots (one more is asked for only after a slot was freed), so one is free. */
        private int freeSlot() {
            int slots = running.length();
            for (int tried = 0; tried < slots; tried++) {
                int slot = nextSlot;
                nextSlot = slot + 1 == slots ? 0 : slot + 1;
                if (running.get(slot) == null) {
                    return slot;
                }
            }
            throw new IllegalStateException("subscriber '" + settings.name() + "' got more events than it asked for");
        }

        /** Free the slot of a delivery that ended, and ask for the next event. */
        void ended(Delivery delivery) {
            running.set(delivery.slot, null);
            Subscription s = upstream;
            if (!cancelled && s != null) {
                s.request(1);
            }
            if (complete) {
                finishIfIdle();
            }
        }

        @Override
        public void onError(Throwable error) {
            log.error("Subscriber '{}' stopped on an unexpected error", settings.name(), error);
            finished.tryEmitEmpty();
        }

        @Override
        public void onComplete() {
            complete = true; // then look at the slots; a delivery ending clears its slot, then looks at complete
            finishIfIdle();
        }

        /** Return how many events are in their handler now (not waiting for their key); a moment's count. */
        int handling() {
            int count = 0;
            for (int slot = 0; slot < running.length(); slot++) {
                Delivery delivery = running.get(slot);
                if (delivery != null && delivery.state == RUNNING) {
                    count++;
                }
            }
            return count;
        }

        private void finishIfIdle() {
            for (int slot = 0; slot < running.length(); slot++) {
                if (running.get(slot) != null) {
                    return; // the last one to end will look again
                }
            }
            finished.tryEmitEmpty();
        }

        /** Stop reading and cancel every event taken (each dead-letters itself); runs on the drainer. */
        @Override
        public void dispose() {
            cancelled = true;
            Subscription s = upstream;
            if (s != null) {
                s.cancel();
            }
            for (int slot = 0; slot < running.length(); slot++) {
                Delivery delivery = running.get(slot);
                if (delivery != null) {
                    delivery.cancel();
                }
            }
        }

        @Override
        public boolean isDisposed() {
            return cancelled;
        }
    }

    /** Return whether the event may start now; if not, {@code start} runs when the events before it of its key end. */
    private boolean takeKey(String key, Runnable start) {
        boolean[] first = {false};
        busyKeys.compute(key, (k, queue) -> {
            if (queue == null) {
                first[0] = true;
                return new ArrayDeque<>();
            }
            queue.add(start);
            return queue;
        });
        return first[0];
    }

    private void releaseKey(String key) {
        Runnable[] next = {null};
        busyKeys.computeIfPresent(key, (k, queue) -> {
            next[0] = queue.poll();
            return next[0] == null ? null : queue;
        });
        if (next[0] != null) {
            next[0].run();
        }
    }

    /** One event's handling: the policy's per-call fallback, and its accounting when it ends. */
    @SuppressWarnings("rawtypes")
    private static final java.util.concurrent.atomic.AtomicIntegerFieldUpdater<SubscriberWorker.Delivery> STATE =
            java.util.concurrent.atomic.AtomicIntegerFieldUpdater.newUpdater(SubscriberWorker.Delivery.class, "state");

    private static final int WAITING = 0, RUNNING = 1, ENDED = 2;

    // The Delivery is the handler call the policy guards (each subscription calls the handler), the policy's per-call
    // fallback and the subscriber of the policy's Mono: one object per event. The accounting happens exactly once (the
    // CAS to ENDED), whichever of completion, error and cancel comes first.
    private final class Delivery extends Mono<Void> implements Function<Failure, Mono<Void>>, CoreSubscriber<Void> {
        private final Event<T> event;
        final int slot;
        private volatile @Nullable Subscription upstream;
        // WAITING (for its key), RUNNING (in its handler, holding its key), ENDED; ENDED before the reader asks for
        // more, so a half-open breaker counting RUNNING events may let the next one through
        private volatile int state;
        private volatile boolean cancelled;
        private volatile @Nullable Throwable unexpected;
        private volatile int outcome; // 0 = none yet, 1 = recovered, 2 = dead-lettered
        private volatile @Nullable DeadLetter started; // a letter whose write began: rewritten, not replaced, on cancel
        private long startNanos;

        Delivery(Event<T> event, int slot) {
            this.event = event;
            this.slot = slot;
        }

        @Override
        public Mono<Void> apply(Failure failure) {
            var fallback = settings.fallback();
            if (fallback == null) {
                return letter(
                        Letters.reasonOf(failure, settings.policy().classifier()),
                        failure.error(),
                        null,
                        failure.attempts());
            }
            return HandlerCall.recovery(fallback, event, failure, settings.name())
                    .then(Mono.fromRunnable(() -> outcome = 1))
                    .onErrorResume(fallbackError -> letter(
                            DeadLetterReason.FALLBACK_FAILED, fallbackError, failure.error(), failure.attempts()))
                    .then();
        }

        private Mono<Void> letter(
                DeadLetterReason reason, @Nullable Throwable error, @Nullable Throwable cause, int attempts) {
            DeadLetter letter = Letters.of(
                    event,
                    settings.name(),
                    reason,
                    error,
                    cause,
                    attempts,
                    bus.clock().instant(),
                    bus.instance());
            started = letter;
            return bus.writeDurably(letter, SubscriberWorker.this).doOnSuccess(ok -> {
                lettersWritten.get(reason).increment();
                outcome = 2;
                recorded(letter);
            });
        }

        /**
         * Run the handler under the policy, for an event that waited for its key: on the thread that passed the key
         * on, which may race a dispose cancelling it.
         */
        void start() {
            if (halted) { // shutdown cancelled the worker before this event's turn: do not start it now
                end(reactor.core.publisher.SignalType.CANCEL);
            }
            if (state != WAITING || !STATE.compareAndSet(this, WAITING, RUNNING)) {
                passOn(); // cancelled while it waited: it has its letter, and its key goes to the next event
                return;
            }
            run();
        }

        /** Run the handler under the policy, for an event just taken (on the drainer: nothing can cancel it yet). */
        void startNow() {
            STATE.lazySet(this, RUNNING);
            run();
        }

        private void run() {
            if (handlerTimer != null) {
                startNanos = System.nanoTime();
            }
            try {
                settings.policy().apply(this, this).subscribe(this);
            } catch (Throwable error) { // a policy that throws from subscribe breaks the rules; keep the worker alive
                reactor.core.Exceptions.throwIfJvmFatal(error);
                onError(error);
            }
        }

        /** Call the handler: the policy subscribes once per attempt. */
        @Override
        public void subscribe(CoreSubscriber<? super Void> attempt) {
            HandlerCall.call(settings.handler(), event, settings.name(), attempt);
        }

        void cancel() {
            cancelled = true; // then look at upstream; onSubscribe sets upstream, then looks at cancelled
            Subscription s = upstream;
            if (s != null) {
                s.cancel();
            }
            end(reactor.core.publisher.SignalType.CANCEL);
        }

        @Override
        public Context currentContext() {
            return Context.empty();
        }

        @Override
        public void onSubscribe(Subscription s) {
            upstream = s;
            if (cancelled) {
                s.cancel();
            } else {
                s.request(Long.MAX_VALUE);
            }
        }

        @Override
        public void onNext(Void unused) {}

        @Override
        public void onError(Throwable error) {
            // should not happen (the per-call fallback ends in a recovery or a durable letter); if it does, the event
            // still gets an outcome (a PERMANENT_ERROR letter), the worker stays alive, and the log says so
            log.error("Subscriber '{}': unexpected error handling event {}", settings.name(), event.id(), error);
            unexpected = error;
            end(reactor.core.publisher.SignalType.ON_ERROR);
        }

        @Override
        public void onComplete() {
            end(reactor.core.publisher.SignalType.ON_COMPLETE);
        }

        private void end(reactor.core.publisher.SignalType signal) {
            int was;
            do {
                was = state;
                if (was == ENDED) {
                    return;
                }
            } while (!STATE.compareAndSet(this, was, ENDED));
            if (was == RUNNING) {
                var timer = handlerTimer;
                if (timer != null && startNanos != 0) {
                    timer.record(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS);
                }
            }
            switch (signal) {
                case ON_COMPLETE, ON_ERROR -> {
                    int ended = outcome;
                    Throwable error = unexpected;
                    if (error != null && ended == 0) {
                        writeAndCount(Letters.of(
                                        event,
                                        settings.name(),
                                        DeadLetterReason.PERMANENT_ERROR,
                                        error,
                                        null,
                                        0,
                                        bus.clock().instant(),
                                        bus.instance()))
                                .subscribe();
                    } else {
                        (ended == 0 ? delivered : ended == 1 ? recovered : deadLettered).increment();
                        inFlight.decrement();
                    }
                }
                default -> { // cancelled by dispose or close before it ended
                    DeadLetter letter = started;
                    // a letter already on its way is written again under the same letterId (writes are idempotent),
                    // so a write that was durable just before the cancel cannot become two letters
                    (letter != null ? writeAndCount(letter) : deadLetterNow(event, closingReason)).subscribe();
                }
            }
            reader.ended(this);
            if (was == RUNNING) {
                passOn(); // an event cancelled while it waited passes its key on when its turn comes (start)
            }
        }

        private void passOn() {
            String key = settings.orderedByKey() ? event.key() : null;
            if (key != null) {
                releaseKey(key);
            }
        }
    }

    // --- dead letters outside the handler chain: overflow, shutdown --------------------------------------------

    private volatile DeadLetterReason closingReason = DeadLetterReason.UNSUBSCRIBED;

    /** Return the reason for events that arrive after shutdown began (a publish racing it). */
    public DeadLetterReason closingReason() {
        return closingReason;
    }

    /** Return the settings. */
    public Settings<T> settings() {
        return settings;
    }

    /** Return the inbox. */
    public Inbox<Event<T>> inbox() {
        return inbox;
    }

    /** Return the shared bus context. */
    public BusContext bus() {
        return bus;
    }

    /**
     * Dead-letter {@code event} (already {@linkplain #accept() accepted}) without handling it; completes when the
     * letter is durable.
     */
    public Mono<Void> deadLetterNow(Event<T> event, DeadLetterReason reason) {
        return writeAndCount(Letters.of(
                event, settings.name(), reason, null, null, 0, bus.clock().instant(), bus.instance()));
    }

    private Mono<Void> writeAndCount(DeadLetter letter) {
        return bus.writeDurably(letter, this).doOnSuccess(ok -> {
            recorded(letter); // before the event leaves in-flight, so the bus is never seen idle in between
            lettersWritten.get(letter.reason()).increment();
            deadLettered.increment();
            inFlight.decrement();
        });
    }

    @Override
    public void refused(Throwable error) {
        if (!storeRefusing) {
            log.warn("Dead-letter store refuses letters of subscriber '{}'; holding events", settings.name(), error);
            storeRefusing = true;
            checkHealth();
        }
    }

    @Override
    public void accepted() {
        if (storeRefusing) {
            storeRefusing = false;
            checkHealth();
        }
    }

    // --- shutdown ----------------------------------------------------------------------------------------------

    @Override
    public Mono<Void> dispose() {
        return shutdown(settings.disposeGrace(), DeadLetterReason.UNSUBSCRIBED, true);
    }

    /**
     * Stop: take no new events, let in-flight handlers finish within {@code grace} (for close, keep draining the
     * inbox too), then cancel and dead-letter the rest with {@code reason}.
     */
    public Mono<Void> shutdown(Duration grace, DeadLetterReason reason, boolean stopTaking) {
        if (SHUTTING_DOWN.compareAndSet(this, 0, 1)) {
            begin(grace, reason, stopTaking);
        }
        return terminated.asMono();
    }

    /** Return a {@code Mono} that completes once this subscriber has shut down and every event has an outcome. */
    public Mono<Void> terminated() {
        return terminated.asMono();
    }

    /** Release what the constructor took, for a subscriber that was never started (duplicate name). */
    public void discard() {
        drainer.dispose();
    }

    // Eager: runs whether or not anyone subscribes to the returned Mono, and every caller gets the same outcome.
    private void begin(Duration grace, DeadLetterReason reason, boolean stopTaking) {
        closingReason = reason;
        watchers.dispose();
        onRemoved.run();
        inbox.close();
        if (stopTaking) {
            stopping = true;
        }
        Mono<Void> settled = stopTaking
                ? Flux.interval(Duration.ofMillis(5), bus.scheduler())
                        .filter(tick -> reader.handling() == 0)
                        .next()
                        .then()
                : finished.asMono();
        settled.timeout(grace, bus.scheduler())
                .onErrorResume(java.util.concurrent.TimeoutException.class, late -> Mono.empty())
                .then(onDrainer(() -> {
                    // on the drainer, so no drain loop is half-way through handing an event to the worker
                    stopping = true;
                    halted = true;
                    Disposable running = work;
                    if (running != null) {
                        running.dispose(); // cancels in-flight handlers; each dead-letters itself
                    }
                    return inbox.takeRemaining();
                }))
                .flatMapMany(Flux::fromIterable)
                .flatMap(event -> deadLetterNow(event, reason))
                .then(Flux.interval(Duration.ofMillis(5), bus.scheduler())
                        // a publish that passed the inbox's closed check just before close() may enqueue late
                        .doOnNext(tick -> inbox.takeRemaining()
                                .forEach(event -> deadLetterNow(event, reason).subscribe()))
                        .filter(tick -> {
                            sealed = true; // from now on a late publish takes its event back (see accept)
                            return inFlight.sum() == 0;
                        })
                        .next()
                        .then())
                .doFinally(signal -> {
                    drainer.dispose();
                    terminated.tryEmitEmpty();
                })
                .subscribe(null, error -> log.error("Subscriber '{}' failed to shut down", settings.name(), error));
    }

    private <R> Mono<R> onDrainer(java.util.function.Supplier<R> action) {
        return Mono.create(sink -> {
            Runnable task = () -> {
                try {
                    sink.success(action.get());
                } catch (RuntimeException error) {
                    sink.error(error);
                }
            };
            try {
                drainer.schedule(task);
            } catch (java.util.concurrent.RejectedExecutionException disposed) {
                task.run();
            }
        });
    }
}
