package dev.sluice.bus.redis;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.sluice.bus.Event;
import dev.sluice.bus.PublishFailedException;
import dev.sluice.bus.spi.Appended;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.time.Duration;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;
import reactor.core.scheduler.Scheduler;

/**
 * Appends durable events to their partition streams with a plain {@code XADD} each (docs/durable-events.md,
 * "Publishing"): pipelined on the shared connection while Redis answers, sent from one thread (a worker of the
 * transport's timers) so that they reach Redis in the order they were admitted; a failed {@code XADD} is retried with
 * exponential backoff within the publish timeout, and later appends of its partition are held back meanwhile (see
 * {@link AppendLane}). Thread-safe.
 *
 * <p><b>In flight.</b> At most {@code maxInFlight} attempts await replies at once (half of the connection's request
 * queue, {@link RedisStreamTransport.Builder#requestQueueSize}, so that the consumers' reads and acknowledgements on the
 * same connection keep room). Past that, appends wait in the outbox, in admission order, with their deadlines armed,
 * and each reply sends the next. Without the cap a stall let 10,000 commands pile up on the connection; Lettuce then
 * refused the next {@code XADD}s ("Internal stack size exceeded"), and their retries held their partitions back for
 * seconds after the stall ended ({@code DurableLatencyHarness}).
 *
 * <p><b>The one duplicate case.</b> An attempt that timed out, or whose connection dropped, after Redis received it
 * may have been appended although no reply came; its retry then appends the event a second time (the same event id
 * in two entries). Such retries are counted in {@code sluice.durable.publish.possible.duplicates}. Handlers of durable
 * types are idempotent anyway (at-least-once delivery), and may deduplicate by event id.
 *
 * <p>The success path costs one {@code Mono.create} and one callback on the
 * {@code XADD}'s {@code RedisFuture}; timers are only scheduled for an append that failed or waits behind one that did.
 */
final class Appender {

    private final TransportConnection redis;
    private final EntryCodec codec;
    private final TransportStatus status;
    private final Scheduler timers;
    private final long publishTimeoutNanos;
    private final long firstBackoffNanos;
    private final long maxBackoffNanos;
    private final boolean attemptMayOutlastTimeout;
    private final int concurrency;
    private final int maxInFlight;
    private final Scheduler.Worker sender;
    private final Queue<PendingAppend> outbox = new ConcurrentLinkedQueue<>();
    private final AtomicInteger wip = new AtomicInteger();
    private final AtomicInteger inFlight = new AtomicInteger();
    // true while the outbox waits for replies: set by the sender before it re-reads inFlight, read by a reply after it
    // decremented inFlight, so one of the two sees the other and the outbox never waits for a reply already received
    private volatile boolean capped;

    Appender(
            TransportConnection redis,
            EntryCodec codec,
            TransportStatus status,
            Scheduler timers,
            Duration publishTimeout,
            Duration firstBackoff,
            Duration maxBackoff,
            Duration commandTimeout,
            int concurrency,
            int maxInFlight) {
        this.redis = redis;
        this.codec = codec;
        this.status = status;
        this.timers = timers;
        this.publishTimeoutNanos = publishTimeout.toNanos();
        this.firstBackoffNanos = firstBackoff.toNanos();
        this.maxBackoffNanos = maxBackoff.toNanos();
        this.attemptMayOutlastTimeout = commandTimeout.compareTo(publishTimeout) >= 0;
        this.concurrency = concurrency;
        this.maxInFlight = maxInFlight;
        this.sender = timers.createWorker();
    }

    /** Append {@code event} of {@code type} to partition {@code partition}; see {@link RedisStreamTransport#append}. */
    Mono<Appended> append(DeclaredType type, Event<?> event, int partition) {
        return Mono.create(sink -> start(type, event, partition, sink));
    }

    /**
     * Append {@code events} in order, at most {@code concurrency} in flight; see {@link
     * RedisStreamTransport#appendAll}. {@code declared} finds each event's declared type (or signals why not).
     */
    <T> Flux<Appended> appendAll(Publisher<Event<T>> events, Function<Event<?>, DeclaredType> declared) {
        return Flux.defer(() -> {
            // partitions of this call that failed: no later event of theirs is sent
            Set<AppendLane> stopped = ConcurrentHashMap.newKeySet();
            return Flux.from(events)
                    .flatMapSequential(
                            event -> Mono.defer(() -> {
                                DeclaredType type = declared.apply(event);
                                int partition = type.partition(event.key());
                                AppendLane lane = type.lanes[partition];
                                if (stopped.contains(lane)) {
                                    return Mono.error(
                                            new PublishFailedException(
                                                    type.name,
                                                    partition,
                                                    new IllegalStateException(
                                                            "an earlier event of this partition in the same appendAll failed")));
                                }
                                return append(type, event, partition).doOnError(e -> stopped.add(lane));
                            }),
                            concurrency,
                            1);
        });
    }

    private void start(DeclaredType type, Event<?> event, int partition, MonoSink<Appended> sink) {
        AppendLane lane = type.lanes[partition];
        String[] fields;
        try {
            fields = codec.encode(event, type.schemaVersion);
        } catch (JsonProcessingException | RuntimeException e) {
            type.failed.increment();
            sink.error(new PublishFailedException(type.name, partition, e));
            return;
        }
        PendingAppend append =
                new PendingAppend(type, lane, event.id(), fields, System.nanoTime() + publishTimeoutNanos, sink);
        sink.onCancel(append);
        if (lane.admit(append)) {
            if (attemptMayOutlastTimeout) {
                armDeadline(append);
            }
            sendInOrder(append);
        } else {
            armDeadline(append);
        }
    }

    /**
     * Send {@code append} from the sender thread, after every append admitted before it. Netty writes a command at
     * once on its event loop but queues it from any other thread, so two appends sent from different threads (a
     * caller's, then a Lettuce I/O thread completing an earlier append) could reach Redis in the other order; sent
     * from one thread, they reach it in the order they were admitted.
     */
    private void sendInOrder(PendingAppend append) {
        outbox.offer(append);
        if (capped) {
            armDeadline(append);
        }
        wakeSender();
    }

    private void wakeSender() {
        if (wip.getAndIncrement() == 0) {
            try {
                sender.schedule(this::drainOutbox);
            } catch (RejectedExecutionException e) {
                failOutbox(e);
            }
        }
    }

    private void drainOutbox() {
        int missed = 1;
        for (; ; ) {
            drainWhileRoom();
            missed = wip.addAndGet(-missed);
            if (missed == 0) {
                return;
            }
        }
    }

    /** Send queued appends until the outbox is empty or {@code maxInFlight} attempts await replies. */
    private void drainWhileRoom() {
        for (; ; ) {
            if (inFlight.get() >= maxInFlight) {
                if (outbox.isEmpty()) {
                    return;
                }
                if (!capped) {
                    capped = true;
                    outbox.forEach(this::armDeadline);
                }
                if (inFlight.get() >= maxInFlight) {
                    return; // the next reply wakes the sender
                }
            }
            PendingAppend next = outbox.poll();
            if (next == null) {
                capped = false;
                return;
            }
            if (next.settled()) {
                continue;
            }
            AppendLane lane = next.lane;
            if (lane.held()) {
                // admitted before an earlier append of its partition failed, not sent yet: sent after that one's retry
                if (lane.holdBack(next)) {
                    drive(lane);
                }
            } else {
                send(next, false);
            }
        }
    }

    private void failOutbox(Throwable error) {
        PendingAppend next;
        while ((next = outbox.poll()) != null) {
            next.fail(error);
        }
        wip.set(0);
    }

    /** Stop the sender thread's work: appends not sent yet fail. */
    void close() {
        sender.dispose();
        failOutbox(new IllegalStateException("the transport was closed before the append was sent"));
    }

    /**
     * Send one attempt; {@code driven}: by the lane's driver, which goes on with the next append when it settles. On
     * the open connection through Lettuce's async API: a {@code RedisFuture} costs less per command than the reactive
     * API's publisher and its subscription queue, and its callback runs on the same I/O thread.
     */
    private void send(PendingAppend append, boolean driven) {
        inFlight.incrementAndGet();
        RedisClusterAsyncCommands<String, String> open = redis.readyAsync();
        if (open == null) {
            redis.commands()
                    .flatMap(commands -> commands.xadd(append.lane.stream, (Object[]) append.fields))
                    .subscribe(id -> acknowledged(append, id, driven), error -> attemptFailed(append, error, driven));
            return;
        }
        open.xadd(append.lane.stream, (Object[]) append.fields).whenComplete((id, error) -> {
            if (error == null) {
                acknowledged(append, id, driven);
            } else {
                attemptFailed(append, error, driven);
            }
        });
    }

    private void acknowledged(PendingAppend append, String id, boolean driven) {
        replied();
        status.answered();
        append.acknowledged(id);
        if (driven) {
            drive(append.lane);
        }
    }

    private void attemptFailed(PendingAppend append, Throwable error, boolean driven) {
        replied();
        failed(append, error, driven);
    }

    private void replied() {
        inFlight.decrementAndGet();
        if (capped) {
            wakeSender();
        }
    }

    private void failed(PendingAppend append, Throwable error, boolean driven) {
        status.failed(error);
        int attempts = append.attemptFailed(error);
        if (append.settled()) {
            if (driven) {
                drive(append.lane);
            }
            return;
        }
        long backoff = backoff(attempts);
        if (!retryable(error) || System.nanoTime() + backoff >= append.deadline) {
            append.fail(error);
            if (driven) {
                drive(append.lane);
            }
            return;
        }
        append.type.retries.increment();
        if (maybeLanded(error)) {
            append.type.possibleDuplicates.increment();
        }
        if (driven) {
            // the driver retries its own append, still ahead of everything held behind it
            timers.schedule(() -> resend(append), backoff, TimeUnit.NANOSECONDS);
            return;
        }
        armDeadline(append);
        if (append.lane.holdBack(append)) {
            timers.schedule(() -> drive(append.lane), backoff, TimeUnit.NANOSECONDS);
        }
    }

    private void resend(PendingAppend append) {
        if (append.settled()) {
            drive(append.lane);
        } else {
            send(append, true);
        }
    }

    /** Send the lane's next held append, or free the lane if none is left. */
    private void drive(AppendLane lane) {
        PendingAppend next = lane.next();
        while (next != null && next.settled()) {
            next = lane.next();
        }
        if (next != null) {
            send(next, true);
        }
    }

    private void armDeadline(PendingAppend append) {
        if (append.expiring() || append.settled()) {
            return;
        }
        long left = append.deadline - System.nanoTime();
        append.expiresWith(timers.schedule(append::expire, Math.max(0, left), TimeUnit.NANOSECONDS));
    }

    private long backoff(int attempts) {
        long backoff = firstBackoffNanos;
        for (int i = 1; i < attempts && backoff < maxBackoffNanos; i++) {
            backoff *= 2;
        }
        return Math.min(backoff, maxBackoffNanos);
    }

    /**
     * Return whether an append that failed with {@code error} may succeed if tried again: everything but an error
     * reply that will not change (a wrong key type, a syntax error); out-of-memory, loading, failover and Cluster
     * redirection replies are transient.
     */
    static boolean retryable(Throwable error) {
        if (error instanceof RedisCommandExecutionException) {
            String message = error.getMessage();
            return message != null
                    && (message.startsWith("OOM")
                            || message.startsWith("LOADING")
                            || message.startsWith("BUSY")
                            || message.startsWith("TRYAGAIN")
                            || message.startsWith("CLUSTERDOWN")
                            || message.startsWith("MASTERDOWN")
                            || message.startsWith("READONLY"));
        }
        return true;
    }

    /**
     * Return whether Redis may have appended an attempt that failed with {@code error}: it timed out or its connection
     * dropped after it was sent, as opposed to an error reply or a command Lettuce rejected before sending it.
     */
    static boolean maybeLanded(Throwable error) {
        if (error instanceof RedisCommandExecutionException) {
            return false;
        }
        String message = String.valueOf(error.getMessage());
        // Lettuce's refusals before a write: disconnected, request queue full, too many commands awaiting replies
        return !message.contains("Commands are rejected")
                && !message.contains("Request queue size exceeded")
                && !message.contains("Internal stack size exceeded");
    }
}
