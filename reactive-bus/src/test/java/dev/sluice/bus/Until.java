package dev.sluice.bus;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import reactor.core.publisher.Flux;

/** Waits, bounded, for a condition the bus reaches on its own threads: polls every millisecond, never sleeps. */
final class Until {

    /** The longest any condition is waited for: far longer than any of them takes; a hang fails the test. */
    static final Duration GUARD = Duration.ofSeconds(10);

    private Until() {}

    /** Return once {@code condition} holds; fail (with {@code what}) if it does not within {@link #GUARD}. */
    static void until(String what, BooleanSupplier condition) {
        Boolean reached = Flux.interval(Duration.ZERO, Duration.ofMillis(1))
                .filter(tick -> condition.getAsBoolean())
                .next()
                .map(tick -> true)
                .timeout(GUARD, reactor.core.publisher.Mono.just(false))
                .block();
        if (!Boolean.TRUE.equals(reached)) {
            throw new AssertionError("never reached: " + what);
        }
    }
}
