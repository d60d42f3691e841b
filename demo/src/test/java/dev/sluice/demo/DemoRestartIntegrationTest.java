package dev.sluice.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.testsupport.ChildJvm;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The demo as a user runs it (its own JVM, the embedded Redis, a data directory) killed with SIGKILL and started again
 * on the same data directory: the dead letters its API listed are still there, and no redis-server is left behind.
 * Guards against the restarted demo starting a fresh, empty Redis while the old one lives on as an orphan (issue 12).
 */
@Tag("integration")
class DemoRestartIntegrationTest {

    private static final Pattern LISTENING = Pattern.compile("Sluice demo listening on http://[^:/]+:(\\d+)/");
    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(60);
    private static final String JSON = "application/json";
    private static final int ORDERS = 5;

    @TempDir
    Path dataDir;

    @BeforeAll
    static void embeddedRedisRunsInItsDirectory() {
        // the leak checks read a process's working directory from /proc (Redis works in its dir)
        assumeTrue(Files.isDirectory(Path.of("/proc/self")), "needs Linux /proc");
    }

    @Test
    void deadLettersSurviveKillingTheDemoAndItsRedis() throws Exception {
        Map<String, String> listed;
        try (ChildJvm first = startDemo()) {
            int port = awaitReady(first);
            listed = deadLettersOf(port, publishBounces(port, "crash"));
            ProcessHandle redis = redisServerOf(first);

            redis.destroyForcibly();
            first.kill9();
            assertThat(redis.onExit().get(30, TimeUnit.SECONDS).isAlive()).isFalse();
        }

        try (ChildJvm second = startDemo()) {
            int port = awaitReady(second);

            listed.forEach((letterId, subscriber) -> {
                HttpReply reply = HttpReply.call(port, "GET", "/dead-letters/" + subscriber + "/" + letterId);
                assertThat(reply.status())
                        .as("letter %s of %s", letterId, subscriber)
                        .isEqualTo(200);
                assertThat(json(reply.body()).path("letterId").asText()).isEqualTo(letterId);
            });
            second.stop(STOP_TIMEOUT);
        }
        assertThat(redisServersIn(dataDir.resolve("redis"))).isEmpty();
    }

    @Test
    void anOrphanedRedisIsAdoptedAndStoppedWhenTheAdoptingDemoStops() throws Exception {
        try (ChildJvm first = startDemo()) {
            int firstPort = awaitReady(first);
            Map<String, String> listed = deadLettersOf(firstPort, publishBounces(firstPort, "orphan"));
            ProcessHandle orphan = redisServerOf(first);
            first.kill9();
            assertThat(orphan.isAlive())
                    .as("redis-server outlives a demo killed with SIGKILL")
                    .isTrue();

            try (ChildJvm second = startDemo()) {
                int port = awaitReady(second);

                assertThat(orphan.isAlive())
                        .as("the orphan was adopted, not stopped")
                        .isTrue();
                assertThat(second.descendants().stream().filter(DemoRestartIntegrationTest::isRedisServer))
                        .as("the adopting demo started no redis-server of its own")
                        .isEmpty();
                listed.forEach((letterId, subscriber) -> assertThat(
                                HttpReply.call(port, "GET", "/dead-letters/" + subscriber + "/" + letterId)
                                        .status())
                        .isEqualTo(200));
                second.stop(STOP_TIMEOUT);
                assertThat(orphan.onExit().get(30, TimeUnit.SECONDS).isAlive())
                        .as("the adopted redis-server stops with the demo")
                        .isFalse();
                assertThat(redisServersIn(dataDir.resolve("redis"))).isEmpty();
            }
        }
    }

    private ChildJvm startDemo() {
        return ChildJvm.builder(DemoMain.class)
                .args("--port", "0", "--data-dir", dataDir.toString())
                .env("SLUICE_REDIS_URL", null)
                .env("SLUICE_ADMIN_TOKEN", null)
                .env("SLUICE_WEBHOOK_URL", null)
                .start();
    }

    /** Wait for the demo's port in its log, then poll {@code /health} until it is 200 (Redis and store are up). */
    private static int awaitReady(ChildJvm demo) {
        int port = Integer.parseInt(demo.awaitOutput(LISTENING, START_TIMEOUT).group(1));
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        int status = 0;
        while (System.nanoTime() - deadline < 0) {
            try {
                status = HttpReply.call(port, "GET", "/health").status();
            } catch (RuntimeException notYet) {
                status = -1;
            }
            if (status == 200) {
                return port;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
        }
        throw new AssertionError("/health of " + demo + " was " + status + " after " + START_TIMEOUT + "; output:\n"
                + demo.outputText());
    }

    /** Publish orders whose mail bounces (so {@code email} dead-letters them); return their order ids. */
    private static Set<String> publishBounces(int port, String run) {
        Set<String> orderIds = IntStream.range(0, ORDERS)
                .mapToObj(i -> "o-" + run + "-" + i)
                .collect(Collectors.toCollection(LinkedHashSet::new));
        for (String id : orderIds) {
            String order = "{\"orderId\":\"" + id + "\",\"customerEmail\":\"nobody" + Downstream.HOPELESS_DOMAIN
                    + "\",\"sku\":\"SKU-1\",\"quantity\":1}";
            assertThat(HttpReply.call(port, "POST", "/events/order.placed", JSON, order, null)
                            .status())
                    .isEqualTo(202);
        }
        return orderIds;
    }

    /**
     * Poll {@code GET /dead-letters} (live and parked) until {@code email} has a letter for every order; return every
     * letter listed then, letter id to subscriber.
     */
    private static Map<String, String> deadLettersOf(int port, Set<String> orderIds) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            Map<String, String> letters = new LinkedHashMap<>();
            Set<String> mailed = new HashSet<>();
            for (String parked : List.of("false", "true")) {
                JsonNode list = json(HttpReply.call(port, "GET", "/dead-letters?limit=1000&parked=" + parked)
                        .body());
                for (JsonNode letter : list.path("letters")) {
                    letters.put(
                            letter.path("letterId").asText(),
                            letter.path("subscriber").asText());
                    if (letter.path("subscriber").asText().equals("email")) {
                        mailed.add(letter.path("eventKey").asText());
                    }
                }
            }
            if (mailed.containsAll(orderIds)) {
                return letters;
            }
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("email dead-lettered only " + mailed + " of " + orderIds);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
        }
    }

    private static ProcessHandle redisServerOf(ChildJvm demo) {
        List<ProcessHandle> servers = demo.descendants().stream()
                .filter(DemoRestartIntegrationTest::isRedisServer)
                .toList();
        assertThat(servers).as("redis-server children of " + demo).hasSize(1);
        return servers.get(0);
    }

    private static boolean isRedisServer(ProcessHandle process) {
        return process.info()
                .command()
                .map(command -> Path.of(command).getFileName().toString().startsWith("redis-server"))
                .orElse(false);
    }

    /** Return the running redis-servers whose working directory (so their {@code dir}) is {@code dir}. */
    private static List<Long> redisServersIn(Path dir) throws IOException {
        Path real = dir.toRealPath();
        return ProcessHandle.allProcesses()
                .filter(ProcessHandle::isAlive)
                .filter(DemoRestartIntegrationTest::isRedisServer)
                .filter(process -> {
                    try {
                        return Files.readSymbolicLink(Path.of("/proc", Long.toString(process.pid()), "cwd"))
                                .equals(real);
                    } catch (IOException gone) {
                        return false;
                    }
                })
                .map(ProcessHandle::pid)
                .toList();
    }

    private static JsonNode json(String text) {
        try {
            return Json.MAPPER.readTree(text);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + text, e);
        }
    }
}
