package dev.sluice.policy.internal;

import reactor.blockhound.BlockHound;
import reactor.blockhound.integration.BlockHoundIntegration;

/**
 * The one place where Sluice tells BlockHound which blocking calls are known to be safe. Every module's tests and the
 * demo's {@code --blockhound} mode load it through {@link java.util.ServiceLoader} (see
 * {@code META-INF/services/reactor.blockhound.integration.BlockHoundIntegration}); BlockHound itself is an optional
 * dependency, so this class is only touched when BlockHound is on the class path.
 *
 * <p>Each allowance names why it is safe and the upstream issue that tracks it. Add nothing here without both.
 */
public final class SluiceBlockHoundIntegration implements BlockHoundIntegration {

    /** Create the integration; called by {@link java.util.ServiceLoader}. */
    public SluiceBlockHoundIntegration() {}

    @Override
    public void applyTo(BlockHound.Builder builder) {
        // Lettuce guards its endpoint's writer count with a ReentrantLock that is held only for a few field
        // updates; it parks only when a reconnect (doExclusive) races a write, which is short and bounded.
        // redis/lettuce#2510 (closed as expected behaviour); the lock is still there in 7.7.
        for (String method :
                new String[] {"incrementWriters", "decrementWriters", "lockWritersExclusive", "unlockWritersExclusive"
                }) {
            builder.allowBlockingCallsInside("io.lettuce.core.protocol.SharedLock", method);
        }
        // The policies' timer thread (WheelScheduler) is marked non-blocking so that no task runs blocking code on
        // it; its own idle wait between ticks is a sleep by design and holds nothing. Sluice's own choice, no issue.
        builder.allowBlockingCallsInside("io.netty.util.HashedWheelTimer$Worker", "waitForNextTick");
    }
}
