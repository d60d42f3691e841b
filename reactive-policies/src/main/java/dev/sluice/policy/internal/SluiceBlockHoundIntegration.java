package dev.sluice.policy.internal;

import reactor.blockhound.BlockHound;
import reactor.blockhound.integration.BlockHoundIntegration;

/**
 * The blocking calls of the policies that are known to be safe, the one place this module tells BlockHound about them
 * (docs/DESIGN.md promise 5). Every module's tests and the demo's {@code --blockhound} mode load it through {@link
 * java.util.ServiceLoader} (see {@code META-INF/services/reactor.blockhound.integration.BlockHoundIntegration});
 * BlockHound itself is an optional dependency, so this class is only touched when BlockHound is on the class path.
 * Lettuce's allowances are the Redis module's ({@code RedisBlockHoundIntegration} in reactive-bus-redis).
 *
 * <p>Each allowance names why it is safe and the upstream issue that tracks it (or says it is Sluice's own choice).
 * Add nothing here without both.
 */
public final class SluiceBlockHoundIntegration implements BlockHoundIntegration {

    /** Create the integration; called by {@link java.util.ServiceLoader}. */
    public SluiceBlockHoundIntegration() {}

    @Override
    public void applyTo(BlockHound.Builder builder) {
        // The policies' timer thread (WheelScheduler) is marked non-blocking so that no task runs blocking code on
        // it; its own idle wait between ticks is a sleep by design and holds nothing. Sluice's own choice, no issue.
        builder.allowBlockingCallsInside("io.netty.util.HashedWheelTimer$Worker", "waitForNextTick");
        // resilience4j 2.x moves a breaker from OPEN to HALF_OPEN under a ReentrantLock, so that a call racing the
        // transition waits for the half-open state instead of slipping past its permit count (the race of
        // resilience4j#1432). The lock is held for one compare-and-set and the transition event, never for a call;
        // a thread parks there only while another finishes that transition. Reported, the park was thrown from
        // inside a policy's attempt under load, the attempt was lost and a subscriber paused on the breaker hung.
        builder.allowBlockingCallsInside(
                "io.github.resilience4j.circuitbreaker.internal.CircuitBreakerStateMachine$OpenState",
                "toHalfOpenState");
        // Cancelling a periodic task (Flux.interval on Schedulers.parallel()) removes it from the executor's queue
        // under the queue's lock, as cancelling any task does: Reactor's own integration allows SchedulerTask.dispose
        // and WorkerTask.dispose but not PeriodicWorkerTask.dispose (reactor-core 3.8.6; no upstream issue found).
        // Reported, the park was thrown out of AQS with the executor's queue lock half-acquired, and every later timer
        // of that worker hung (BusMetricsTest, then every timed test of the JVM).
        builder.allowBlockingCallsInside("reactor.core.scheduler.PeriodicWorkerTask", "dispose");
    }
}
