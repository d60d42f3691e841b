package dev.sluice.demo;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;

/**
 * Finds the embedded Redis of a running demo for {@code --join}: the server recorded in {@code <dir>/redis/}{@value
 * EmbeddedRedis#RECORD} by the demo that started it, if that pid is a live redis-server answering {@code PING} on the
 * recorded port. The joining demo uses it as it would a {@code SLUICE_REDIS_URL}: it never stops it, never touches
 * the record, and takes no lock on that directory. Blocks the calling thread (main), never a Reactor or Netty thread.
 */
final class JoinedRedis {

    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(2);

    private JoinedRedis() {}

    /**
     * Return the URI of the embedded Redis of the demo on data directory {@code dataDir}.
     *
     * @throws IOException naming the directory if no demo recorded a server there, or the recorded one is gone or does
     *     not answer
     */
    static String url(Path dataDir) throws IOException {
        Path record = dataDir.resolve("redis").resolve(EmbeddedRedis.RECORD);
        if (!Files.exists(record)) {
            throw new IOException("--join: no embedded Redis recorded in " + record
                    + "; start the first demo (without --join) on that data directory first");
        }
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(record)) {
            properties.load(reader);
        }
        long pid;
        int port;
        try {
            pid = Long.parseLong(properties.getProperty("pid", ""));
            port = Integer.parseInt(properties.getProperty("port", ""));
        } catch (NumberFormatException e) {
            throw new IOException("--join: the record " + record + " is unreadable: " + e.getMessage(), e);
        }
        boolean alive = ProcessHandle.of(pid)
                .filter(ProcessHandle::isAlive)
                .filter(RedisProcesses::isRedisServer)
                .isPresent();
        if (!alive) {
            throw new IOException("--join: the embedded Redis recorded in " + record + " (pid " + pid
                    + ") is not running; start the first demo again");
        }
        String url = "redis://127.0.0.1:" + port;
        RedisClient probe = RedisClient.create();
        try (StatefulRedisConnection<String, String> connection = probe.connect(RedisURI.builder()
                .withHost("127.0.0.1")
                .withPort(port)
                .withTimeout(PROBE_TIMEOUT)
                .build())) {
            connection.sync().ping();
        } catch (RuntimeException e) {
            throw new IOException("--join: the embedded Redis recorded in " + record + " does not answer on " + url, e);
        } finally {
            probe.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
        return url;
    }
}
