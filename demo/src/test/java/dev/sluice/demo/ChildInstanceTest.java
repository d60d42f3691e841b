package dev.sluice.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The command line of a scenario instance means what the scenario needs of it. */
class ChildInstanceTest {

    @Test
    void anInstanceIsDurableOnTheScenariosRedisDownstreamAndKeysWithItsOwnFilesAndAFreePort() {
        ChildInstance.Launch launch = new ChildInstance.Launch(
                "redis://127.0.0.1:6390", "http://127.0.0.1:7000", "sluice-cluster", Path.of("/tmp/run"), "cp", false);

        List<String> command = ChildInstance.command("i2", launch);
        List<String> args = command.subList(command.indexOf(DemoMain.class.getName()) + 1, command.size());
        DemoMain main = new DemoMain();
        new CommandLine(main).parseArgs(args.toArray(String[]::new));
        DemoSettings settings = main.options.settings();

        assertThat(command).contains(ChildInstance.HEAP).doesNotContain(BlockHoundMode.JVM_FLAG);
        assertThat(settings.durable()).isTrue();
        assertThat(settings.port()).isZero();
        assertThat(settings.redisUrl()).isEqualTo("redis://127.0.0.1:6390");
        assertThat(settings.downstreamUrl()).isEqualTo("http://127.0.0.1:7000");
        assertThat(settings.storeKeyPrefix()).isEqualTo("sluice-cluster");
        assertThat(settings.dataDir()).isEqualTo(Path.of("/tmp/run", "i2"));
    }
}
