package dev.sluice.demo;

import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * The demo's command line: with no subcommand (or {@code serve}) it runs the service until stopped; {@code scenario}
 * runs the scripted story and exits 0 only if the accounting holds.
 */
@Command(
        name = "sluice-demo",
        mixinStandardHelpOptions = true,
        version = "sluice-demo 0.1.0-SNAPSHOT",
        subcommands = {ScenarioCommand.class},
        description = "Runs the Sluice demo service on Reactor Netty (embedded Redis unless SLUICE_REDIS_URL is set).")
public final class DemoMain implements Callable<Integer> {

    private static final Logger log = LoggerFactory.getLogger(DemoMain.class);

    @Mixin
    DemoOptions options = new DemoOptions();

    /** Create the command; picocli fills the options. */
    public DemoMain() {}

    /**
     * Run the demo.
     *
     * @param args command-line arguments, see {@code --help}
     */
    public static void main(String[] args) throws Exception {
        int relaunched = BlockHoundMode.relaunchIfNeeded(args);
        System.exit(relaunched >= 0 ? relaunched : new CommandLine(new DemoMain()).execute(args));
    }

    /** {@code serve}: the same as no subcommand, spelled out. */
    @Command(name = "serve", description = "Run the service until stopped (the default).")
    int serve(@Mixin DemoOptions serveOptions) throws Exception {
        return run(serveOptions);
    }

    @Override
    public Integer call() throws Exception {
        return run(options);
    }

    private static int run(DemoOptions options) throws Exception {
        if (options.blockhound) {
            BlockHoundMode.install();
        }
        DemoRuntime runtime = DemoRuntime.start(options.settings(), OutcomeListener.NONE);
        Runtime.getRuntime().addShutdownHook(new Thread(runtime::close, "sluice-demo-shutdown"));
        log.info(
                "Sluice demo listening on {}/ — open {}/status, or POST /events/order.placed",
                runtime.baseUrl(),
                runtime.baseUrl());
        runtime.awaitClose();
        return 0;
    }
}
