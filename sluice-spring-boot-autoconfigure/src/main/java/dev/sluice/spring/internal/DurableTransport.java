package dev.sluice.spring.internal;

import dev.sluice.bus.redis.RedisStreamTransport;
import dev.sluice.spring.SluiceConfigurationException;
import dev.sluice.spring.SluiceProperties;
import io.lettuce.core.resource.ClientResources;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * Builds the {@link RedisStreamTransport} from {@code sluice.durable.*} on the store's Redis (Boot's connection details:
 * standalone, Sentinel or the Cluster's seeds) and Boot's {@code ClientResources} when there is one. A value the
 * transport's builder refuses fails startup naming its key and value.
 */
public final class DurableTransport {

    private static final String KEY = SluiceProperties.PREFIX + ".durable.";

    private DurableTransport() {}

    /**
     * Return the transport; it connects at the first declaration of a durable type, not here.
     *
     * @param properties the bound properties
     * @param uris where Redis is
     * @param resources Boot's Lettuce resources, or null for the transport's own (shut down on close)
     * @throws SluiceConfigurationException naming the {@code sluice.durable.*} key the builder refused
     */
    public static RedisStreamTransport create(
            SluiceProperties properties, RedisUris uris, @Nullable ClientResources resources) {
        SluiceProperties.Durable d = properties.durable();
        RedisStreamTransport.Builder b;
        if (uris.cluster()) {
            b = resources == null
                    ? RedisStreamTransport.clusterBuilder(uris.uris())
                    : RedisStreamTransport.clusterBuilder(resources, uris.uris());
        } else {
            b = resources == null
                    ? RedisStreamTransport.builder(uris.uris().get(0))
                    : RedisStreamTransport.builder(resources, uris.uris().get(0));
        }
        String prefix =
                d.keyPrefix() != null ? d.keyPrefix() : properties.deadLetters().keyPrefix();
        set(b, "key-prefix", prefix, x -> x.keyPrefix(prefix));
        String id = d.instanceId();
        if (id != null) {
            set(b, "instance-id", id, x -> x.instanceId(id));
        }
        set(b, "command-timeout", d.commandTimeout(), x -> x.commandTimeout(d.commandTimeout()));
        set(b, "request-queue-size", d.requestQueueSize(), x -> x.requestQueueSize(d.requestQueueSize()));
        set(b, "publish-timeout", d.publishTimeout(), x -> x.publishTimeout(d.publishTimeout()));
        // first alone, then against max, so a refusal names the key at fault
        set(
                b,
                "publish-first-backoff",
                d.publishFirstBackoff(),
                x -> x.publishBackoff(d.publishFirstBackoff(), d.publishFirstBackoff()));
        set(
                b,
                "publish-max-backoff",
                d.publishMaxBackoff(),
                x -> x.publishBackoff(d.publishFirstBackoff(), d.publishMaxBackoff()));
        set(b, "append-concurrency", d.appendConcurrency(), x -> x.appendConcurrency(d.appendConcurrency()));
        set(b, "lease", d.lease(), x -> x.leaseTtl(d.lease()));
        set(b, "heartbeat", d.heartbeat(), x -> x.heartbeat(d.heartbeat()));
        set(b, "lease-margin", d.leaseMargin(), x -> x.safetyMargin(d.leaseMargin()));
        set(b, "block", d.block(), x -> x.block(d.block()));
        set(b, "max-lag", d.maxLag(), x -> x.maxLag(d.maxLag()));
        set(b, "max-pending-age", d.maxPendingAge(), x -> x.maxPendingAge(d.maxPendingAge()));
        set(b, "retention-interval", d.retentionInterval(), x -> x.retentionInterval(d.retentionInterval()));
        set(b, "max-length", d.maxLength(), x -> x.maxLength(d.maxLength()));
        try {
            return b.build();
        } catch (IllegalStateException e) {
            // the builder names the settings in conflict: heartbeat against the lease, or the margin against it
            String message = String.valueOf(e.getMessage());
            boolean heartbeat = message.startsWith("heartbeat");
            String key = KEY + (heartbeat ? "heartbeat" : "lease-margin");
            Object value = heartbeat ? d.heartbeat() : d.leaseMargin();
            throw new SluiceConfigurationException(
                    key,
                    String.valueOf(value),
                    "conflicts with " + KEY + "lease '" + d.lease() + "': " + message,
                    "Keep " + KEY + "heartbeat at most half of " + KEY + "lease, and " + KEY + "lease-margin below it.",
                    e);
        }
    }

    private static void set(
            RedisStreamTransport.Builder b,
            String setting,
            Object value,
            Consumer<RedisStreamTransport.Builder> change) {
        try {
            change.accept(b);
        } catch (IllegalArgumentException e) {
            throw new SluiceConfigurationException(
                    KEY + setting,
                    String.valueOf(value),
                    "is invalid: " + e.getMessage(),
                    "Fix " + KEY + setting + " (docs/spring-boot.md lists every sluice.durable key).",
                    e);
        }
    }
}
