package dev.sluice.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.test.scheduler.VirtualTimeScheduler;
import reactor.test.util.RaceTestUtils;

/** Attempts of one hedged round finishing at the same time on two threads, or racing a cancel: no permit leaks. */
class HedgeRaceTest {

    private static final int ATTEMPTS = 3;

    @Test
    void attemptsFinishingTogetherOrRacingACancelLeaveOneOutcomeAndNoPermitBehind() {
        VirtualTimeScheduler vts = VirtualTimeScheduler.create();
        ResiliencePolicy policy = ResiliencePolicy.builder("hedge-race")
                .bulkhead(ATTEMPTS)
                .circuitBreaker(CircuitBreakerConfig.custom()
                        .slidingWindowSize(100_000)
                        .minimumNumberOfCalls(100_000)
                        .build())
                .hedge(ATTEMPTS - 1, Duration.ZERO)
                .scheduler(vts)
                .build();
        int rounds = 4_000;
        List<String> unexpected = new CopyOnWriteArrayList<>();

        for (int i = 0; i < rounds; i++) {
            List<Sinks.One<String>> sinks = new CopyOnWriteArrayList<>();
            Mono<String> source = Mono.defer(() -> {
                Sinks.One<String> sink = Sinks.one();
                sinks.add(sink);
                return sink.asMono();
            });
            AtomicInteger signals = new AtomicInteger();
            List<Object> outcome = new CopyOnWriteArrayList<>();
            Disposable call = source.transform(policy::apply)
                    .subscribe(
                            v -> outcome.add(v),
                            e -> {
                                outcome.add(e.getMessage());
                                signals.incrementAndGet();
                            },
                            signals::incrementAndGet);
            assertThat(sinks).hasSize(ATTEMPTS);
            Sinks.One<String> primary = sinks.get(0);
            Sinks.One<String> hedge = sinks.get(1);
            switch (i % 4) {
                case 0 -> RaceTestUtils.race(() -> primary.tryEmitValue("primary"), () -> hedge.tryEmitValue("hedge"));
                case 1 -> RaceTestUtils.race(
                        () -> primary.tryEmitError(new IOException("primary")), () -> hedge.tryEmitValue("hedge"));
                case 2 -> RaceTestUtils.race(call::dispose, () -> hedge.tryEmitValue("hedge"));
                default -> {
                    RaceTestUtils.race(
                            () -> primary.tryEmitError(new IOException("primary")),
                            () -> hedge.tryEmitError(new IOException("hedge")));
                    sinks.get(2).tryEmitError(new IOException("last"));
                }
            }

            int expected = i % 4 == 2 ? -1 : 1; // a cancel may or may not beat the value
            if (expected == 1 && signals.get() != 1) {
                unexpected.add("round " + i + ": " + signals.get() + " terminal signals, " + outcome);
            }
            if (i % 4 == 1 && !outcome.equals(List.of("hedge"))) {
                unexpected.add("round " + i + ": " + outcome);
            }
            if (i % 4 == 3 && !outcome.equals(List.of("primary"))) {
                unexpected.add("round " + i + ": " + outcome + " instead of the primary's failure");
            }
            assertThat(policy.bulkhead().getMetrics().getAvailableConcurrentCalls())
                    .as("after round %d", i)
                    .isEqualTo(ATTEMPTS);
        }

        CircuitBreaker.Metrics metrics = policy.circuitBreaker().getMetrics();
        assertThat(unexpected).isEmpty();
        assertThat(metrics.getNumberOfSuccessfulCalls() + metrics.getNumberOfFailedCalls())
                .isEqualTo(metrics.getNumberOfBufferedCalls());
        // every round records at least one attempt but the cancelled ones, never more than it started
        assertThat(metrics.getNumberOfBufferedCalls()).isBetween(rounds * 3 / 4, rounds * ATTEMPTS);
    }
}
