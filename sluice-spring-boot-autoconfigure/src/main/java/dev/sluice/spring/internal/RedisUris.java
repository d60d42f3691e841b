package dev.sluice.spring.internal;

import io.lettuce.core.RedisURI;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.data.redis.autoconfigure.DataRedisConnectionDetails;

/**
 * The Redis the store connects to, from Boot's {@code DataRedisConnectionDetails}: one URI (standalone or Sentinel)
 * or the Cluster's seed nodes, with user name, password and TLS (on when Boot has an SSL bundle for Redis; the store's
 * client then trusts the JVM's default trust store, not the bundle's).
 *
 * @param uris the URI, or the Cluster's seeds
 * @param cluster whether {@code uris} are Cluster seeds
 */
public record RedisUris(List<RedisURI> uris, boolean cluster) {

    /** Return the URIs for {@code details}; {@code redis://localhost:6379} if there are none. */
    public static RedisUris of(@Nullable DataRedisConnectionDetails details) {
        if (details == null) {
            return new RedisUris(List.of(RedisURI.create("localhost", 6379)), false);
        }
        boolean ssl = details.getSslBundle() != null;
        DataRedisConnectionDetails.Cluster cluster = details.getCluster();
        if (cluster != null) {
            List<RedisURI> seeds = cluster.getNodes().stream()
                    .map(node -> auth(RedisURI.builder().withHost(node.host()).withPort(node.port()), details, ssl))
                    .toList();
            return new RedisUris(seeds, true);
        }
        DataRedisConnectionDetails.Sentinel sentinel = details.getSentinel();
        if (sentinel != null) {
            RedisURI.Builder b = RedisURI.builder().withSentinelMasterId(sentinel.getMaster());
            sentinel.getNodes().forEach(node -> b.withSentinel(node.host(), node.port()));
            b.withDatabase(sentinel.getDatabase());
            return new RedisUris(List.of(auth(b, details, ssl)), false);
        }
        DataRedisConnectionDetails.Standalone standalone = details.getStandalone();
        RedisURI.Builder b = standalone == null
                ? RedisURI.builder().withHost("localhost").withPort(6379)
                : RedisURI.builder()
                        .withHost(standalone.getHost())
                        .withPort(standalone.getPort())
                        .withDatabase(standalone.getDatabase());
        return new RedisUris(List.of(auth(b, details, ssl)), false);
    }

    private static RedisURI auth(RedisURI.Builder b, DataRedisConnectionDetails details, boolean ssl) {
        String password = details.getPassword();
        String user = details.getUsername();
        if (password != null) {
            if (user != null) {
                b.withAuthentication(user, password.toCharArray());
            } else {
                b.withPassword(password.toCharArray());
            }
        }
        return b.withSsl(ssl).build();
    }
}
