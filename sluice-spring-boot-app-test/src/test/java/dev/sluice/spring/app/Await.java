package dev.sluice.spring.app;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/** Waits for a condition without sleeping: re-checks it every 20 ms on boundedElastic, for at most a bound. */
final class Await {

    private Await() {}

    static void until(String what, BooleanSupplier condition) {
        Mono.fromCallable(() -> condition.getAsBoolean() ? Boolean.TRUE : null)
                .subscribeOn(Schedulers.boundedElastic())
                .repeatWhenEmpty(ticks -> ticks.delayElements(Duration.ofMillis(20)))
                .timeout(Duration.ofSeconds(30), Mono.error(() -> new AssertionError("timed out waiting for " + what)))
                .block();
    }
}
