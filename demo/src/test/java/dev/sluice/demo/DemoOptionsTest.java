package dev.sluice.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The command line's choices of issue 14: durable by default, {@code --in-process}, and {@code --join}. */
class DemoOptionsTest {

    private static DemoSettings parse(String... args) {
        DemoMain main = new DemoMain();
        new CommandLine(main).parseArgs(args);
        return main.options.settings();
    }

    @Test
    void orderPlacedIsDurableUnlessInProcess() {
        assertThat(parse().durable()).isTrue();
        assertThat(parse("--in-process").durable()).isFalse();
    }

    @Test
    void joinFindsTheDefaultDirectoryAndKeepsItsOwnFilesApart() {
        DemoSettings joined = parse("--port", "8081", "--join");

        assertThat(joined.joinDir()).isEqualTo(Path.of("target", "sluice-demo"));
        assertThat(joined.dataDir()).isEqualTo(Path.of("target", "sluice-demo-8081"));
        assertThat(parse().joinDir()).isNull();
    }

    @Test
    void joinTakesAnotherDirectoryAndAnExplicitDataDirectoryStands() {
        DemoSettings joined = parse("--join", "/tmp/first", "--data-dir", "/tmp/second");

        assertThat(joined.joinDir()).isEqualTo(Path.of("/tmp/first"));
        assertThat(joined.dataDir()).isEqualTo(Path.of("/tmp/second"));
    }
}
