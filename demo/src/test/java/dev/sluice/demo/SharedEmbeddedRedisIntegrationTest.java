package dev.sluice.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A second demo joins the first one's embedded Redis ({@code --join}) with a data directory of its own, and no demo
 * stops a Redis another uses: the first leaves it running while the joined one is connected, the joined one never
 * stops it, and the next demo on the first one's directory adopts it and stops it once no one else uses it.
 */
@Tag("integration")
class SharedEmbeddedRedisIntegrationTest {

    @TempDir
    Path dir;

    @Test
    void theFirstDemoLeavesItsRedisRunningForTheOneThatJoinedIt() throws Exception {
        assumeTrue(Files.isDirectory(Path.of("/proc/self")), "adoption reads a process's working directory from /proc");
        DemoSettings settings = DemoSettings.serve("127.0.0.1", 0, null, null, null)
                .mutate()
                .durable(true)
                .quietAlerts(true)
                .build();
        Path first = dir.resolve("first");
        DemoSettings firstSettings = settings.mutate().dataDir(first).build();
        DemoSettings joinSettings =
                settings.mutate().dataDir(dir.resolve("second")).joinDir(first).build();

        ProcessHandle redis;
        try (DemoRuntime joined = startFirstThenJoin(firstSettings, joinSettings)) {
            redis = recordedServer(first);

            assertThat(redis.isAlive()).as("left running for the joined demo").isTrue();
            assertThat(HttpReply.call(joined.port(), "GET", "/health").body()).contains("\"redis\":\"UP\"");
        }
        assertThat(redis.isAlive()).as("the joined demo never stops it").isTrue();

        try (DemoRuntime again = DemoRuntime.start(firstSettings, OutcomeListener.NONE)) {
            assertThat(recordedServer(first).pid()).as("adopted, not a new one").isEqualTo(redis.pid());
        }
        assertThat(redis.onExit().get(30, TimeUnit.SECONDS).isAlive()).isFalse();
        assertThat(first.resolve("redis").resolve(EmbeddedRedis.RECORD)).doesNotExist();
    }

    @Test
    void joiningADirectoryWithNoRunningDemoIsRefusedNamingIt() {
        DemoSettings settings = DemoSettings.serve("127.0.0.1", 0, null, null, null)
                .mutate()
                .dataDir(dir.resolve("second"))
                .joinDir(dir.resolve("nobody"))
                .build();

        assertThatThrownBy(() -> DemoRuntime.start(settings, OutcomeListener.NONE))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("--join")
                .hasMessageContaining("nobody");
    }

    /** Start a demo on {@code first}, join it with another, stop the first; return the joined one, still running. */
    private static DemoRuntime startFirstThenJoin(DemoSettings first, DemoSettings join) throws IOException {
        DemoRuntime owner = DemoRuntime.start(first, OutcomeListener.NONE);
        DemoRuntime joined;
        try {
            joined = DemoRuntime.start(join, OutcomeListener.NONE);
        } finally {
            owner.close();
        }
        return joined;
    }

    private static ProcessHandle recordedServer(Path dataDir) throws IOException {
        Properties record = new Properties();
        try (Reader reader = Files.newBufferedReader(dataDir.resolve("redis").resolve(EmbeddedRedis.RECORD))) {
            record.load(reader);
        }
        return ProcessHandle.of(Long.parseLong(record.getProperty("pid"))).orElseThrow();
    }
}
