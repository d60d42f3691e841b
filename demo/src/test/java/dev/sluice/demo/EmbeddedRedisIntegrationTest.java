package dev.sluice.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.sluice.testsupport.RedisExtension;
import dev.sluice.testsupport.TestRedis;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The demo's embedded Redis in this JVM: it persists, a second demo cannot share its directory, and a record in that
 * directory naming a process that is not ours never gets that process killed (the crash cases, where the demo's JVM
 * dies, are in {@link DemoRestartIntegrationTest}).
 */
@Tag("integration")
@ExtendWith(RedisExtension.class)
class EmbeddedRedisIntegrationTest {

    private static RedisClient client;

    @TempDir
    Path dir;

    @BeforeAll
    static void client() {
        client = RedisClient.create();
    }

    @AfterAll
    static void shutdown() {
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }

    @Test
    void keepsItsDataInAnFsyncedAofAcrossAStopAndAStart() throws IOException {
        try (EmbeddedRedis redis = EmbeddedRedis.start(dir)) {
            try (StatefulRedisConnection<String, String> connection = connect(redis)) {
                RedisCommands<String, String> commands = connection.sync();
                commands.set("kept", "yes");

                assertThat(commands.configGet("appendonly")).containsEntry("appendonly", "yes");
                assertThat(commands.configGet("appendfsync")).containsEntry("appendfsync", "always");
                assertThat(commands.configGet("dir"))
                        .containsEntry("dir", dir.toRealPath().toString());
            }
        }

        try (EmbeddedRedis again = EmbeddedRedis.start(dir);
                StatefulRedisConnection<String, String> connection = connect(again)) {

            assertThat(again.adopted()).isFalse();
            assertThat(connection.sync().get("kept")).isEqualTo("yes");
        }
        assertThat(dir.resolve(EmbeddedRedis.RECORD)).doesNotExist();
    }

    @Test
    void aSecondDemoOnTheSameDirectoryIsRefusedAndTheFirstKeepsItsServer() throws IOException {
        try (EmbeddedRedis first = EmbeddedRedis.start(dir)) {

            assertThatThrownBy(() -> EmbeddedRedis.start(dir))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("Another demo is using");
            assertThat(ProcessHandle.of(first.pid()).map(ProcessHandle::isAlive))
                    .contains(true);
        }
    }

    @Test
    void aRecordedPidThatIsNotARedisServerIsLeftRunning() throws Exception {
        Process other = new ProcessBuilder("sleep", "120").start();
        try {
            record(other.pid(), freePort());

            try (EmbeddedRedis redis = EmbeddedRedis.start(dir)) {

                assertThat(redis.adopted()).isFalse();
                assertThat(redis.pid()).isNotEqualTo(other.pid());
            }
            assertThat(other.isAlive()).isTrue();
        } finally {
            other.destroyForcibly();
        }
    }

    @Test
    void aRecordedRedisServerOfAnotherDirectoryIsLeftRunning(TestRedis shared) throws IOException {
        assumeTrue(shared.embedded(), "needs the tests' own embedded Redis, a local process");
        // TestRedis closes the connections it opened when the test ends
        StatefulRedisConnection<String, String> connection = shared.connect();
        long sharedPid = Long.parseLong(connection
                .sync()
                .info("server")
                .lines()
                .filter(line -> line.startsWith("process_id:"))
                .findFirst()
                .orElseThrow()
                .substring("process_id:".length())
                .trim());
        record(sharedPid, shared.port());

        try (EmbeddedRedis redis = EmbeddedRedis.start(dir)) {

            assertThat(redis.adopted()).isFalse();
            assertThat(redis.pid()).isNotEqualTo(sharedPid);
        }
        assertThat(connection.sync().ping()).isEqualTo("PONG");
    }

    private void record(long pid, int port) throws IOException {
        Files.writeString(dir.resolve(EmbeddedRedis.RECORD), "pid=" + pid + "\nport=" + port + "\n");
    }

    private static StatefulRedisConnection<String, String> connect(EmbeddedRedis redis) {
        return client.connect(RedisURI.create(redis.url()));
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
