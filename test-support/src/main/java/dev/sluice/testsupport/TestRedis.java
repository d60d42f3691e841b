package dev.sluice.testsupport;

import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * One test's view of the shared test Redis: its address, a Lettuce client, and a key prefix of its own.
 *
 * <p>Created by {@link RedisExtension}; closed by JUnit at the end of the test, which deletes every key under
 * {@link #keyPrefix()} and closes the connections opened through {@link #connect()}. Thread-safe.
 */
public final class TestRedis implements AutoCloseable {

    private final SharedRedis shared;
    private final String keyPrefix;
    private final List<StatefulRedisConnection<String, String>> connections = new CopyOnWriteArrayList<>();

    TestRedis(SharedRedis shared, String keyPrefix) {
        this.shared = shared;
        this.keyPrefix = keyPrefix;
    }

    /** Return a copy of the server's URI. */
    public RedisURI uri() {
        return RedisURI.builder(shared.uri).build();
    }

    /** Return the server's host. */
    public String host() {
        return shared.uri.getHost();
    }

    /** Return the server's port. */
    public int port() {
        return shared.uri.getPort();
    }

    /** Return the URI of the same server (same credentials and database) reached through {@code proxy}. */
    public RedisURI uriThrough(FaultProxy proxy) {
        return RedisURI.builder(shared.uri)
                .withHost(proxy.host())
                .withPort(proxy.port())
                .build();
    }

    /** Return the JVM's shared client; do not shut it down. */
    public RedisClient client() {
        return shared.client;
    }

    /** Return whether the server is the embedded one this JVM started (false for {@code SLUICE_TEST_REDIS_URL}). */
    public boolean embedded() {
        return shared.embedded;
    }

    /** Return this test's key prefix, e.g. {@code sluice-test:4242:7:}; unique per test JVM and process. */
    public String keyPrefix() {
        return keyPrefix;
    }

    /** Return {@code name} under this test's prefix. */
    public String key(String name) {
        return keyPrefix + name;
    }

    /** Open a String connection that is closed when the test ends. */
    public StatefulRedisConnection<String, String> connect() {
        StatefulRedisConnection<String, String> connection = shared.client.connect();
        connections.add(connection);
        return connection;
    }

    @Override
    public void close() {
        try (StatefulRedisConnection<String, String> connection = shared.client.connect()) {
            RedisCommands<String, String> redis = connection.sync();
            ScanArgs match = ScanArgs.Builder.matches(keyPrefix + "*").limit(500);
            ScanCursor cursor = ScanCursor.INITIAL;
            do {
                KeyScanCursor<String> page = redis.scan(cursor, match);
                if (!page.getKeys().isEmpty()) {
                    redis.del(page.getKeys().toArray(String[]::new));
                }
                cursor = page;
            } while (!cursor.isFinished());
        } finally {
            connections.forEach(StatefulRedisConnection::close);
        }
    }
}
