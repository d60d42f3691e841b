package dev.sluice.bus.redis;

import io.lettuce.core.resource.ClientResources;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The Lettuce client resources (event loops, computation pool, timer) a store creates when the application gives it
 * none. Their threads are named {@value #THREAD_PREFIX}{@code <pool>-<n>-<m>} (Lettuce's own would be {@code
 * lettuce-<pool>-…}, like every other client's in the JVM), and {@link #shutdown} completes only once every one of
 * them has ended, so a store that closed leaves no thread behind. Thread-safe.
 */
final class OwnedResources {

    /** The name prefix of every thread of a store's own client resources. */
    static final String THREAD_PREFIX = "sluice-redis-";

    private static final Logger log = LoggerFactory.getLogger(OwnedResources.class);
    private static final long SHUTDOWN_TIMEOUT_SECONDS = 2;

    private final Set<Thread> threads = ConcurrentHashMap.newKeySet();
    private final ClientResources resources;

    OwnedResources() {
        this.resources = ClientResources.builder()
                .threadFactoryProvider(this::threadFactory)
                .build();
    }

    ClientResources resources() {
        return resources;
    }

    /**
     * Shut the resources down (no quiet period, at most {@value #SHUTDOWN_TIMEOUT_SECONDS} s) and wait for their
     * threads to end. Both steps block — Lettuce stops its {@code HashedWheelTimer} by joining its thread, and the
     * termination future completes on an event loop thread that is still alive — so they run on {@code
     * Schedulers.boundedElastic()}, never on the thread that subscribes.
     *
     * @return a {@code Mono} that completes when every thread has ended; signals Netty's error if a pool failed to
     *     terminate
     */
    Mono<Void> shutdown() {
        return Mono.fromCallable(() -> resources.shutdown(0, SHUTDOWN_TIMEOUT_SECONDS, TimeUnit.SECONDS))
                .subscribeOn(Schedulers.boundedElastic())
                .flatMap(terminated -> Mono.<Void>create(sink -> terminated.addListener(future -> {
                    Throwable cause = future.cause();
                    if (cause == null) {
                        sink.success();
                    } else {
                        sink.error(cause);
                    }
                })))
                .then(Mono.fromRunnable(this::awaitThreads).subscribeOn(Schedulers.boundedElastic()))
                .then();
    }

    private ThreadFactory threadFactory(String poolName) {
        // Lettuce asks for lettuce-nioEventLoop, lettuce-epollEventLoop, lettuce-eventExecutorLoop, lettuce-timer…
        String pool = THREAD_PREFIX + (poolName.startsWith("lettuce-") ? poolName.substring(8) : poolName);
        // Netty's factory, as Lettuce's default: daemon FastThreadLocalThreads, which Netty's BlockHound integration
        // knows as event loop threads
        ThreadFactory netty = new DefaultThreadFactory(pool, true);
        return task -> {
            Thread thread = netty.newThread(task);
            threads.add(thread);
            return thread;
        };
    }

    private void awaitThreads() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(SHUTDOWN_TIMEOUT_SECONDS);
        for (Thread thread : threads) {
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            try {
                if (left > 0) {
                    thread.join(left);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            if (thread.isAlive()) {
                log.warn("Thread {} of a closed dead-letter store is still running", thread.getName());
            }
        }
    }
}
