package dev.sluice.bus.internal;

import dev.sluice.bus.spi.Received;
import dev.sluice.bus.spi.TransportConsumer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.Exceptions;

/**
 * A durable subscriber's inbox and reader in one (docs/DESIGN.md, "Durable types": reads sized by the inbox). It
 * holds at most the spec's {@code inboxSize} entries (read and not yet acknowledged or released: waiting, in their
 * handler, or being acknowledged) and asks its {@link TransportConsumer} for no more than the free slots, one read at
 * a time, only while the {@link Gate} lets it (not stopping, breaker not open; in half-open only what the breaker
 * permits) and the dead-letter store is not refusing: otherwise the backlog stays in the stream. It starts up to
 * {@code concurrency} entries at once, each taken through the gate (pacing). An empty read is followed at once by the
 * next one (the consumer blocks for entries), a second empty one in a row after {@link #EMPTY_READ_PAUSE}; a failed
 * read is tried again after a backoff (50 ms doubling to 5 s).
 *
 * <p>Its state moves on the subscriber's drainer, one drain at a time (any thread may ask for a drain); reads complete
 * on the transport's threads, and entries end on any thread.
 */
final class DurableFeed<T> implements Health.Fill {

    private static final Logger log = LoggerFactory.getLogger(DurableFeed.class);

    /** The wait before reading again after two empty reads in a row. */
    static final Duration EMPTY_READ_PAUSE = Duration.ofMillis(10);

    private final DurableWorker<T> worker;
    private final int capacity;
    private final int concurrency;
    private final ArrayDeque<Received<T>> waiting = new ArrayDeque<>(); // drainer only
    private final Queue<List<Received<T>>> arrived = new ConcurrentLinkedQueue<>();
    private final Set<DurableDelivery<T>> taken = ConcurrentHashMap.newKeySet();
    private final AtomicInteger slots = new AtomicInteger(); // deliveries taken and not ended (<= concurrency)
    private final AtomicInteger held = new AtomicInteger(); // read and not yet acknowledged or released
    private final AtomicInteger handling = new AtomicInteger();
    private final AtomicInteger wip = new AtomicInteger();
    private final Runnable drainLoop = this::drainLoop;
    private volatile boolean open; // the type is declared: reading may begin
    private volatile boolean stopped; // shutting down: read nothing more, start nothing more
    private volatile boolean reading; // a read is out
    private volatile boolean pausing; // a timer will drain again (after empty or failed reads)
    private volatile int queued; // waiting.size(), for metrics
    private volatile Disposable read = Disposables.disposed();
    private int emptyReads; // written by the one read out at a time
    private int failedReads;

    DurableFeed(DurableWorker<T> worker) {
        this.worker = worker;
        this.capacity = worker.settings.inboxSize();
        this.concurrency = worker.settings.concurrency();
    }

    /** Begin reading: the type is declared. */
    void open() {
        open = true;
        drain();
    }

    /** Read nothing more, start nothing more, release what waits (and what a read still out brings). */
    void stop() {
        stopped = true;
        worker.gate.stop();
        drain();
    }

    /** Return whether the feed stopped: an entry whose turn comes now is released, not started. */
    boolean stopped() {
        return stopped;
    }

    /** Cancel every entry taken (each releases itself) and the read still out (grace over); on the drainer. */
    void halt() {
        read.dispose();
        reading = false; // a cancelled read signals nothing more
        for (DurableDelivery<T> delivery : taken) {
            delivery.cancel();
        }
    }

    /** Return whether nothing is held: every entry read was acknowledged or released, and no read is out. */
    boolean idle() {
        return held.get() == 0 && !reading;
    }

    /** Return how many entries are in their handler now. */
    int handling() {
        return handling.get();
    }

    /** Return how many entries wait to be started. */
    int queued() {
        return queued;
    }

    /** Return how many entries are held: read, and not yet acknowledged or released. */
    @Override
    public int size() {
        return held.get();
    }

    @Override
    public int capacity() {
        return capacity;
    }

    @Override
    public boolean overflowing() {
        return false; // a durable inbox never overflows: what does not fit stays in the stream
    }

    void handlingStarted() {
        handling.incrementAndGet();
    }

    void handlingEnded() {
        handling.decrementAndGet();
    }

    /** Free the slot of {@code delivery}, which ended (its entry may still be on its way to acknowledgement). */
    void ended(DurableDelivery<T> delivery) {
        taken.remove(delivery);
        slots.decrementAndGet();
        drain();
    }

    /** Note that an entry was acknowledged or released: its inbox slot is free. */
    void settled() {
        held.decrementAndGet();
        drain();
    }

    /** Start what may start and read what there is room for, on the drainer; safe from any thread. */
    void drain() {
        if (wip.getAndIncrement() != 0) {
            return;
        }
        try {
            worker.drainer.schedule(drainLoop);
        } catch (RejectedExecutionException disposed) {
            drainLoop.run(); // the drainer is gone (shutdown): finish on this thread rather than lose the signal
        }
    }

    private void drainLoop() {
        int missed = 1;
        for (; ; ) {
            List<Received<T>> batch;
            while ((batch = arrived.poll()) != null) {
                waiting.addAll(batch);
            }
            if (stopped) {
                Received<T> entry;
                while ((entry = waiting.poll()) != null) {
                    worker.settlement.release(entry);
                }
            } else {
                startWhatMay();
                readMore();
            }
            queued = waiting.size();
            missed = wip.addAndGet(-missed);
            if (missed == 0) {
                return;
            }
        }
    }

    private void startWhatMay() {
        // the gate is asked only when there is something to take: it may spend a pacing permit
        while (!waiting.isEmpty() && slots.get() < concurrency && worker.gate.getAsBoolean()) {
            DurableDelivery<T> delivery = new DurableDelivery<>(worker, waiting.poll());
            slots.incrementAndGet();
            taken.add(delivery);
            delivery.begin();
        }
    }

    private void readMore() {
        if (!open || reading || pausing || worker.storeRefusing()) {
            return; // the letter write the store refuses ends in a drain once it is accepted
        }
        int room = worker.gate.readLimit(capacity - held.get());
        if (room <= 0) {
            return; // a settled entry, or the gate's re-check, drains again
        }
        reading = true;
        TransportConsumer<T> consumer = worker.consumer;
        try {
            read = consumer.read(room).defaultIfEmpty(List.of()).subscribe(this::readDone, this::readFailed);
        } catch (Throwable error) { // a consumer that throws from read breaks the SPI; keep the subscriber alive
            Exceptions.throwIfJvmFatal(error);
            readFailed(error);
        }
    }

    private void readDone(List<Received<T>> entries) {
        int count = entries.size();
        failedReads = 0;
        if (count > 0) {
            emptyReads = 0;
            held.addAndGet(count); // before reading ends: shutdown sees it held, or still reading
            worker.counters.offered.add(count);
            worker.counters.inFlight.add(count);
            arrived.offer(entries);
            reading = false;
            drain();
        } else {
            reading = false;
            if (++emptyReads > 1) {
                pauseFor(EMPTY_READ_PAUSE.toMillis());
            } else {
                drain();
            }
        }
    }

    private void readFailed(Throwable error) {
        int failures = ++failedReads;
        if (failures == 1) {
            log.warn("Subscriber '{}' could not read its durable type; trying again", worker.name(), error);
        } else {
            log.debug(
                    "Subscriber '{}' could not read its durable type again ({} times)", worker.name(), failures, error);
        }
        reading = false;
        long backoff = BusContext.STORE_RETRY_MIN.toMillis() << Math.min(failures - 1, 7);
        pauseFor(Math.min(backoff, BusContext.STORE_RETRY_MAX.toMillis()));
    }

    private void pauseFor(long millis) {
        pausing = true;
        try {
            worker.bus
                    .scheduler()
                    .schedule(
                            () -> {
                                pausing = false;
                                drain();
                            },
                            millis,
                            TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException disposed) {
            pausing = false; // no timers any more (the bus scheduler was disposed): nothing will read again
            log.debug("Subscriber '{}' cannot schedule its next read", worker.name(), disposed);
        }
    }
}
