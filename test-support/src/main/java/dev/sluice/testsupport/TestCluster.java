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
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import redis.embedded.RedisServer;

/**
 * A Redis Cluster for a test class: the one named by {@value #URL_VARIABLE} (a seed such as {@code
 * redis://127.0.0.1:7001}, for example of a 3-master Cluster) if that is set, else a one-node embedded Redis 6.2
 * Cluster that owns all 16384 slots, started here. An external Cluster is shared by every test class and kept between
 * runs, so each test keys its data under {@link #keyPrefix(String)}. Start it in {@code @BeforeAll}, close it in
 * {@code @AfterAll}; not for use on Reactor threads (it blocks while the Cluster forms).
 */
public final class TestCluster implements AutoCloseable {

    /** Environment variable naming a seed of an external Redis Cluster to run against. */
    public static final String URL_VARIABLE = "SLUICE_TEST_REDIS_CLUSTER_URL";

    private static final Logger log = LoggerFactory.getLogger(TestCluster.class);
    private static final Duration FORMED = Duration.ofSeconds(30);
    private static final AtomicInteger PREFIXES = new AtomicInteger();

    private final RedisURI seed;
    private final @Nullable RedisServer server;

    private TestCluster(RedisURI seed, @Nullable RedisServer server) {
        this.seed = seed;
        this.server = server;
    }

    /**
     * Return the external Cluster named by {@value #URL_VARIABLE}, or start a one-node embedded one whose files live
     * in {@code target/embedded-redis-cluster/<name><port>}.
     *
     * @throws IllegalStateException if no loopback port with a free Cluster bus port (port + 10000) was found, or the
     *     embedded Cluster did not reach {@code cluster_state:ok} within 30 s
     */
    public static TestCluster start(String name) throws IOException {
        String external = System.getenv(URL_VARIABLE);
        if (external != null && !external.isBlank()) {
            log.info("Cluster tests of {} use the external Redis Cluster at {}", name, external);
            return new TestCluster(RedisURI.create(external), null);
        }
        int port = freePortWithBusPort();
        Path dir = Path.of(System.getProperty("basedir", "."), "target", "embedded-redis-cluster", name + port)
                .toAbsolutePath();
        Files.createDirectories(dir);
        RedisServer server = RedisServer.newRedisServer()
                .bind("127.0.0.1")
                .port(port)
                .setting("save \"\"")
                .setting("appendonly no")
                .setting("dir " + dir)
                .setting("cluster-enabled yes")
                .setting("cluster-config-file nodes-" + port + ".conf")
                .build();
        server.start();
        TestCluster cluster = new TestCluster(
                RedisURI.builder()
                        .withHost("127.0.0.1")
                        .withPort(port)
                        .withTimeout(FORMED)
                        .build(),
                server);
        try {
            cluster.assignEverySlot();
        } catch (RuntimeException e) {
            cluster.close();
            throw e;
        }
        return cluster;
    }

    /** Return a seed node of the Cluster. */
    public RedisURI seed() {
        return seed;
    }

    /** Return a key prefix no other test of this JVM or an earlier run uses: {@code <base>-<pid>-<n>-<nanos>}. */
    public String keyPrefix(String base) {
        return base + "-" + ProcessHandle.current().pid() + "-" + PREFIXES.incrementAndGet() + "-" + System.nanoTime();
    }

    /** Stop the embedded Cluster, if this started one. */
    @Override
    public void close() {
        if (server != null) {
            try {
                server.stop();
            } catch (IOException e) {
                throw new UncheckedIOException("could not stop the embedded Redis Cluster at " + seed, e);
            }
        }
    }

    // CLUSTER ADDSLOTSRANGE needs Redis 7; the embedded Redis is 6.2
    private void assignEverySlot() {
        RedisClient admin = RedisClient.create(seed);
        try (StatefulRedisConnection<String, String> connection = admin.connect()) {
            connection.sync().clusterAddSlots(IntStream.range(0, 16384).toArray());
            String info = Flux.interval(Duration.ofMillis(20))
                    .onBackpressureDrop()
                    .concatMap(i -> connection.reactive().clusterInfo())
                    .filter(reply -> reply.contains("cluster_state:ok"))
                    .next()
                    .timeout(FORMED)
                    .onErrorMap(e -> new IllegalStateException(
                            "the embedded Redis Cluster at " + seed + " did not reach cluster_state:ok within "
                                    + FORMED,
                            e))
                    .block(); // on the test class's @BeforeAll thread (JUnit's, never a Reactor one), bounded above
            log.debug("Embedded Redis Cluster at {} formed: {}", seed, info);
        } finally {
            admin.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }

    private static int freePortWithBusPort() {
        for (int attempt = 0; attempt < 50; attempt++) {
            int port = freePort();
            if (port <= 55_535 && isFree(port + 10_000)) {
                return port;
            }
        }
        throw new IllegalStateException("no free loopback port with a free Cluster bus port after 50 attempts");
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free loopback port for the embedded Redis Cluster", e);
        }
    }

    private static boolean isFree(int port) {
        try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort() == port;
        } catch (IOException e) {
            return false;
        }
    }
}
