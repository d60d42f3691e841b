package dev.sluice.bus.redis.internal;

import reactor.blockhound.BlockHound;
import reactor.blockhound.integration.BlockHoundIntegration;

/**
 * The blocking calls of Lettuce and Netty that this module knows to be safe, the one place this module tells
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
        // Netty 4.2's adaptive allocator, growing its magazines while an event loop reads a reply, frees a magazine
        // under a StampedLock write lock held only for the swap; BlockHound saw it park once under contention, which
        // failed a consumer's XREADGROUP reply half-way. A false positive by the same account as line/armeria#6344;
        // Netty's own BlockHound integration does not cover it yet (netty/netty#14564 covered only its
        // CopyOnWriteArraySet).
        builder.allowBlockingCallsInside(
                "io.netty.buffer.AdaptivePoolingAllocator$MagazineGroup", "tryExpandMagazines");
    }
}
