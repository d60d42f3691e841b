package dev.sluice.testsupport;

import java.time.Duration;
import reactor.core.publisher.Mono;

/** A deliberately blocking call on a Reactor {@code parallel} thread, for each module's BlockHound smoke test. */
public final class BlockHoundProbe {

    private BlockHoundProbe() {}

    /**
     * Return a {@code Mono} that sleeps for 10 ms on a {@code parallel} thread, inside {@code Mono.delay(...).map(...)}.
     *
     * @return a {@code Mono} that signals {@code reactor.blockhound.BlockingOperationError} when BlockHound is
     *     installed, and emits the delay's tick otherwise
     */
    public static Mono<Long> blockOnParallelThread() {
        return Mono.delay(Duration.ofMillis(1)).map(tick -> {
            try {
                // the point of the probe: a blocking call where none is allowed
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while probing BlockHound", e);
            }
            return tick;
        });
    }
}
