package dev.sluice.benchmarks;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;
import reactor.core.publisher.Mono;

/**
 * The floor every Reactor-based figure stands on: a direct call beside the same call wrapped in a {@code Mono} that
 * is really subscribed. Proves the benchmarks jar builds and runs.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class MonoBaselineBenchmark {

    private int value = 42;

    /** Baseline: the call alone. */
    @Benchmark
    public int directCall() {
        return value;
    }

    /** The same call as a {@code Mono}, hidden so Reactor cannot shortcut the subscription. */
    @Benchmark
    public void monoSubscribed(Blackhole blackhole) {
        Mono.fromCallable(() -> value).hide().subscribe(blackhole::consume);
    }
}
