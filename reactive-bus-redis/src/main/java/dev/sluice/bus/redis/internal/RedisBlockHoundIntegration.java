package dev.sluice.bus.redis.internal;

import reactor.blockhound.BlockHound;
import reactor.blockhound.integration.BlockHoundIntegration;

/**
 * The blocking calls of Lettuce that the Redis dead-letter store knows to be safe, the one place this module tells
 * BlockHound about them (docs/DESIGN.md promise 5). Loaded through {@link java.util.ServiceLoader} (see {@code
 * META-INF/services/reactor.blockhound.integration.BlockHoundIntegration}) by every test JVM that has this module on
 * its class path and by the demo's {@code --blockhound} mode; BlockHound is an optional dependency, so this class is
 * only touched when BlockHound is present. reactive-policies keeps its own allowances in {@code
 * SluiceBlockHoundIntegration}.
 *
 * <p>Each allowance names why it is safe and the upstream issue that tracks it. Add nothing here without both.
 */
public final class RedisBlockHoundIntegration implements BlockHoundIntegration {

    /** Create the integration; called by {@link java.util.ServiceLoader}. */
    public RedisBlockHoundIntegration() {}

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
    }
}
