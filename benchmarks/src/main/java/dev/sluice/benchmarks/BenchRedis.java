package dev.sluice.benchmarks;

import io.lettuce.core.RedisURI;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;
import redis.embedded.RedisServer;

/**
 * An embedded Redis 6.2 (codemonstur embedded-redis) for one benchmark trial, the way {@link DeadLetterBenchmark}
 * starts its own: a free loopback port, persistence off, its files in a temporary directory deleted by {@link
 * #close()}. Not thread-safe: a JMH state's setup starts it and its teardown closes it.
 */
final class BenchRedis implements AutoCloseable {

    private final RedisServer server;
    private final Path dir;
    private final RedisURI uri;

    private BenchRedis(RedisServer server, Path dir, RedisURI uri) {
        this.server = server;
        this.dir = dir;
        this.uri = uri;
    }

    /** Start a Redis; it accepts connections when this returns. */
    static BenchRedis start(String name) throws IOException {
        Path dir = Files.createTempDirectory("sluice-" + name);
        int port = freePort();
        RedisServer server = RedisServer.newRedisServer()
                .bind("127.0.0.1")
                .port(port)
                .setting("save \"\"")
                .setting("appendonly no")
                .setting("dir " + dir)
                .build();
        server.start();
        RedisURI uri = RedisURI.builder()
                .withHost("127.0.0.1")
                .withPort(port)
                // a shared 2-core machine stalls now and then; a benchmark must not fail on Lettuce's 60 s default
                // either way, but a wedged run should end
                .withTimeout(Duration.ofSeconds(30))
                .build();
        return new BenchRedis(server, dir, uri);
    }

    /** Return the server's URI. */
    RedisURI uri() {
        return RedisURI.builder(uri).build();
    }

    /** Return the server's data directory (for a journal or similar files of the trial). */
    Path dir() {
        return dir;
    }

    @Override
    public void close() throws IOException {
        server.stop();
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder())
                    .forEach(file -> file.toFile().delete());
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
