package dev.sluice.testsupport;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.embedded.RedisServer;

/** The one Redis server of a test JVM, embedded or external, and the Lettuce client for it. */
final class SharedRedis implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(SharedRedis.class);

    final RedisURI uri;
    final RedisClient client;
    final boolean embedded;
    private final @Nullable RedisServer server;

    private SharedRedis(RedisURI uri, @Nullable RedisServer server) {
        this.uri = uri;
        this.server = server;
        this.embedded = server != null;
        this.client = RedisClient.create(uri);
    }

    static SharedRedis start(@Nullable String url) {
        SharedRedis redis =
                url == null || url.isBlank() ? startEmbedded() : new SharedRedis(RedisURI.create(url), null);
        try {
            redis.requireVersion();
        } catch (RuntimeException e) {
            redis.close();
            throw e;
        }
        log.info(
                "Tests use {} Redis at {}:{}",
                redis.embedded ? "embedded" : "external",
                redis.uri.getHost(),
                redis.uri.getPort());
        return redis;
    }

    private static SharedRedis startEmbedded() {
        Path dir = Path.of(System.getProperty("basedir", "."), "target", "embedded-redis")
                .toAbsolutePath();
        int port = freePort();
        RedisServer server;
        try {
            Files.createDirectories(dir);
            server = RedisServer.newRedisServer()
                    .bind("127.0.0.1")
                    .port(port)
                    .setting("save \"\"")
                    .setting("appendonly no")
                    .setting("dir " + dir)
                    .build();
            server.start();
        } catch (IOException | RuntimeException e) {
            throw new ExtensionConfigurationException(
                    "Could not start the embedded Redis on 127.0.0.1:" + port + " (it needs Linux with OpenSSL 3, or "
                            + "macOS); set " + RedisExtension.URL_VARIABLE + " to a Redis 6.2+ server instead",
                    e);
        }
        return new SharedRedis(
                RedisURI.builder()
                        .withHost("127.0.0.1")
                        .withPort(port)
                        .withTimeout(Duration.ofSeconds(10))
                        .build(),
                server);
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free loopback port for the embedded Redis", e);
        }
    }

    private void requireVersion() {
        String version;
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            version = RedisVersion.parse(connection.sync().info("server"));
        }
        if (!RedisVersion.isAtLeast(version, 6, 2)) {
            throw new ExtensionConfigurationException("Redis at " + uri.getHost() + ":" + uri.getPort() + " is version "
                    + version + "; Sluice needs Redis 6.2 or newer");
        }
    }

    @Override
    public void close() {
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        if (server != null) {
            try {
                server.stop();
            } catch (IOException e) {
                throw new UncheckedIOException("could not stop the embedded Redis", e);
            }
        }
    }
}
