package dev.sluice.bus.internal;

import dev.sluice.bus.Outcome;
import dev.sluice.bus.spi.Received;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Mono;
import reactor.util.retry.Retry;

/**
 * The last step of a durable entry on this instance (docs/DESIGN.md, "Durable types": ack after the outcome):
 * acknowledge it once its outcome is final — after its letter, if any, is in the store — and only then count the
 * outcome; or release it (handed back unacknowledged: fenced, stopping, cancelled), counted {@code released}. An
 * acknowledgement the transport cannot take is tried again (50 ms doubling to 5 s) until it is applied or refused by
 * fencing, both final; once shutdown's grace is over, what is still unacknowledged is released instead. Either way
 * the entry's inbox slot is freed. Thread-safe.
 */
final class Settlement<T> {

    private static final Logger log = LoggerFactory.getLogger(Settlement.class);

    private final DurableWorker<T> worker;
    private final Set<Pending> pending = ConcurrentHashMap.newKeySet();
    private volatile boolean halted;

    Settlement(DurableWorker<T> worker) {
        this.worker = worker;
    }

    /** Hand {@code entry} back unacknowledged: it stays pending for the partition's next owner. */
    void release(Received<T> entry) {
        try {
            worker.consumer.release(entry);
        } catch (RuntimeException error) { // release never fails, says the SPI; if it does, the entry stays pending
            try (EventMdc mdc = EventMdc.of(entry)) {
                log.error("Subscriber '{}': releasing entry {} failed", worker.name(), entry.entryId(), error);
            }
        }
        worker.counters.released();
        worker.feed.settled();
    }

    /**
     * Acknowledge {@code entry} once {@code first} (its letter's write, or nothing) completed, then count {@code
     * outcome}; released instead if shutdown's grace ends first.
     */
    void ackAfter(Mono<Void> first, Received<T> entry, Outcome outcome) {
        Pending ack = new Pending(entry, outcome);
        pending.add(ack);
        Mono<Void> once = Mono.defer(() -> worker.consumer.ack(entry));
        // the retry is assembled only once an acknowledgement failed: nothing on the success path (pay on failure)
        first.then(once.onErrorResume(error -> {
                    try (EventMdc mdc = EventMdc.of(entry)) {
                        log.warn(
                                "Subscriber '{}' could not acknowledge entry {}; trying again",
                                worker.name(),
                                entry.entryId(),
                                error);
                    }
                    return Mono.delay(BusContext.STORE_RETRY_MIN, worker.bus.scheduler())
                            .then(once.retryWhen(Retry.backoff(Long.MAX_VALUE, BusContext.STORE_RETRY_MIN)
                                    .maxBackoff(BusContext.STORE_RETRY_MAX)
                                    .scheduler(worker.bus.scheduler())));
                }))
                .subscribe(ack);
        if (halted) { // halted while this one was set up: the loop in halt() may have missed it
            ack.dispose();
        }
    }

    /** Stop acknowledging: the grace is over; what is not acknowledged yet is released. */
    void halt() {
        halted = true;
        for (Pending ack : pending) {
            ack.dispose();
        }
    }

    /** One acknowledgement on its way; ends exactly once, acknowledged or released. */
    private final class Pending extends BaseSubscriber<Void> {
        private final Received<T> entry;
        private final Outcome outcome;
        private final AtomicBoolean settled = new AtomicBoolean();

        Pending(Received<T> entry, Outcome outcome) {
            this.entry = entry;
            this.outcome = outcome;
        }

        @Override
        protected void hookOnComplete() {
            if (settled.compareAndSet(false, true)) {
                pending.remove(this);
                worker.counters.ended(outcome);
                worker.feed.settled();
            }
        }

        @Override
        protected void hookOnError(Throwable error) {
            try (EventMdc mdc = EventMdc.of(entry)) {
                log.error(
                        "Subscriber '{}': entry {} could not be settled; releasing it",
                        worker.name(),
                        entry.entryId(),
                        error);
            }
            releaseOnce();
        }

        @Override
        protected void hookOnCancel() {
            releaseOnce();
        }

        private void releaseOnce() {
            if (settled.compareAndSet(false, true)) {
                pending.remove(this);
                release(entry);
            }
        }
    }
}
