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
 * <p>Each allowance names why it is safe and the upstream issue that tracks it. Add nothing here without both.
 */
public final class SluiceBlockHoundIntegration implements BlockHoundIntegration {

    /** Create the integration; called by {@link java.util.ServiceLoader}. */
    public SluiceBlockHoundIntegration() {}

    @Override
    public void applyTo(BlockHound.Builder builder) {
        // The policies' timer thread (WheelScheduler) is marked non-blocking so that no task runs blocking code on
        // it; its own idle wait between ticks is a sleep by design and holds nothing. Sluice's own choice, no issue.
        builder.allowBlockingCallsInside("io.netty.util.HashedWheelTimer$Worker", "waitForNextTick");
    }
}
