package dev.sluice.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.resilience4j.bulkhead.BulkheadFullException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Sinks;
import reactor.test.scheduler.VirtualTimeScheduler;
import reactor.test.util.RaceTestUtils;

class PermitLeakTest {

    private static final int MAX_CONCURRENT = 4;
    private static final Duration TIMEOUT = Duration.ofMillis(50);

    private static ResiliencePolicy policy(VirtualTimeScheduler vts) {
        return ResiliencePolicy.builder("leak-check")
                .timeout(TIMEOUT)
                .bulkhead(MAX_CONCURRENT)
                .circuitBreaker(CircuitBreakerConfig.custom()
                        .slidingWindowSize(10_000)
                        .minimumNumberOfCalls(10_000)
                        .build())
                .scheduler(vts)
                .build();
    }

    @Test
    void thousandsOfMixedCallsLeaveNoBulkheadOrBreakerPermitBehind() {
        VirtualTimeScheduler vts = VirtualTimeScheduler.create();
        ResiliencePolicy policy = policy(vts);
        List<Throwable> unexpected = new ArrayList<>();
        int batches = 1_000;

        for (int b = 0; b < batches; b++) {
            // four calls fill the bulkhead: each ends a different way; a fifth is rejected
            List<Sinks.One<String>> sinks = new ArrayList<>();
            List<Disposable> calls = new ArrayList<>();
            List<AtomicReference<Throwable>> errors = new ArrayList<>();
            for (int i = 0; i < MAX_CONCURRENT + 1; i++) {
                Sinks.One<String> sink = Sinks.one();
                AtomicReference<Throwable> error = new AtomicReference<>();
                sinks.add(sink);
                errors.add(error);
                calls.add(sink.asMono().transform(policy::apply).subscribe(v -> {}, error::set));
            }
            int rotation = b % MAX_CONCURRENT;
            for (int k = 0; k < MAX_CONCURRENT; k++) {
                int call = (k + rotation) % MAX_CONCURRENT;
                switch (k) {
                    case 0 -> sinks.get(call).tryEmitValue("ok");
                    case 1 -> sinks.get(call).tryEmitError(new IllegalStateException("permanent"));
                    case 2 -> calls.get(call).dispose();
                    default -> {} // left hanging: times out below
                }
            }
            vts.advanceTimeBy(TIMEOUT);

            if (!(errors.get(MAX_CONCURRENT).get() instanceof BulkheadFullException)) {
                unexpected.add(errors.get(MAX_CONCURRENT).get());
            }
            assertThat(policy.bulkhead().getMetrics().getAvailableConcurrentCalls())
                    .as("after batch %d", b)
                    .isEqualTo(MAX_CONCURRENT);
        }

        CircuitBreaker.Metrics metrics = policy.circuitBreaker().getMetrics();
        assertThat(unexpected).isEmpty();
        // recorded per batch: one success, one permanent error, one timeout; cancels and rejections are not
        assertThat(metrics.getNumberOfSuccessfulCalls()).isEqualTo(batches);
        assertThat(metrics.getNumberOfFailedCalls()).isEqualTo(2 * batches);
        assertThat(metrics.getNumberOfBufferedCalls()).isEqualTo(3 * batches);
        assertThat(policy.counters().timeouts.sum()).isEqualTo(batches);
        assertThat(policy.counters().rejected.sum()).isEqualTo(batches);
        assertThat(policy.circuitBreaker().getState()).isEqualTo(CircuitBreaker.State.CLOSED);
    }

    @Test
    void cancelRacingCompletionOrTimeoutLeaksNoPermit() {
        VirtualTimeScheduler vts = VirtualTimeScheduler.create();
        ResiliencePolicy policy = policy(vts);
        int rounds = 5_000;

        for (int i = 0; i < rounds; i++) {
            Sinks.One<String> sink = Sinks.one();
            Disposable call = sink.asMono().transform(policy::apply).subscribe(v -> {}, e -> {});
            Runnable finish = i % 3 == 0
                    ? () -> vts.advanceTimeBy(TIMEOUT)
                    : i % 3 == 1 ? () -> sink.tryEmitValue("ok") : () -> sink.tryEmitError(new IOException("down"));
            RaceTestUtils.race(call::dispose, finish);
        }

        CircuitBreaker.Metrics metrics = policy.circuitBreaker().getMetrics();
        assertThat(policy.bulkhead().getMetrics().getAvailableConcurrentCalls()).isEqualTo(MAX_CONCURRENT);
        // each round is recorded at most once (by whichever of cancel and completion won)
        assertThat(metrics.getNumberOfBufferedCalls()).isBetween(0, rounds);
        assertThat(metrics.getNumberOfSuccessfulCalls() + metrics.getNumberOfFailedCalls())
                .isEqualTo(metrics.getNumberOfBufferedCalls());
    }
}
