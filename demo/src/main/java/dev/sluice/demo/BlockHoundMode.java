package dev.sluice.demo;

import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.blockhound.BlockHound;
import reactor.blockhound.BlockingOperationError;

/**
 * {@code --blockhound}: installs BlockHound in the running demo with every {@code BlockHoundIntegration} on the class
 * path — Reactor's, Reactor Netty's, and Sluice's own (reactive-policies, loaded through {@link java.util.ServiceLoader}
 * exactly as in the tests) — so the whole real path is checked. A blocking call is logged at ERROR with its stack
 * trace, counted, and fails the operation that made it ({@link BlockingOperationError}).
 */
final class BlockHoundMode {

    private static final Logger log = LoggerFactory.getLogger(BlockHoundMode.class);
    private static final LongAdder BLOCKING_CALLS = new LongAdder();
    private static volatile boolean installed;

    private BlockHoundMode() {}

    /** Install BlockHound once per JVM (later calls do nothing). */
    static synchronized void install() {
        if (installed) {
            return;
        }
        BlockHound.builder()
                .blockingMethodCallback(method -> {
                    BLOCKING_CALLS.increment();
                    BlockingOperationError error = new BlockingOperationError(method);
                    log.error(
                            "BLOCKING CALL on non-blocking thread {}: {}",
                            Thread.currentThread().getName(),
                            method,
                            error);
                    throw error;
                })
                .install();
        installed = true;
        log.warn("BlockHound is on: blocking calls on Reactor/Netty threads are logged and fail");
    }

    static boolean installed() {
        return installed;
    }

    /** Return how many blocking calls BlockHound caught in this JVM since {@link #install}. */
    static long blockingCalls() {
        return BLOCKING_CALLS.sum();
    }
}
