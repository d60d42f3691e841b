package dev.sluice.demo;

import dev.sluice.bus.redis.RedisStreamTransport;
import java.time.Duration;

/**
 * The one place where the demo builds the Redis Streams transport of the durable {@code order.placed}: on the demo's
 * Redis, under the dead-letter store's key prefix, with leases short enough that a killed instance's partitions move
 * within seconds on stage. Everything else sees the bus, the transport's audit and its meters.
 */
final class DemoTransport {

    /**
     * Lease of a partition, a group membership and the instance id: 5 s (the transport's default is 10 s). A killed
     * instance's partitions move after it plus the subscriber's worst-case attempt (about 1.5 s for {@code email}).
     */
    static final Duration LEASE_TTL = Duration.ofSeconds(5);
    /** Renewal of every lease: 1 s, a fifth of the lease, so a busy machine can miss three in a row. */
    static final Duration HEARTBEAT = Duration.ofSeconds(1);
    /** How long startup waits for {@code order.placed} to be declared on Redis. */
    static final Duration READY_TIMEOUT = Duration.ofSeconds(30);

    private DemoTransport() {}

    /**
     * Create the transport; it connects when the bus declares the type.
     *
     * @param redisUrl the Redis the demo uses (embedded, joined, or {@code SLUICE_REDIS_URL})
     * @param keyPrefix the dead-letter store's key prefix: streams are {@code <prefix>:ev:{order.placed:<p>}}
     */
    static RedisStreamTransport create(String redisUrl, String keyPrefix) {
        return RedisStreamTransport.builder(redisUrl)
                .keyPrefix(keyPrefix)
                .leaseTtl(LEASE_TTL)
                .heartbeat(HEARTBEAT)
                .build();
    }
}
