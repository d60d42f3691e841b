package dev.sluice.demo;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.ServiceLoader;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.blockhound.BlockHound;
import reactor.blockhound.BlockingOperationError;
import reactor.blockhound.integration.BlockHoundIntegration;

/**
 * {@code --blockhound}: installs BlockHound in the running demo with every {@code BlockHoundIntegration} on the class
 * path — Reactor's, Netty's, and Sluice's own (reactive-policies' and reactive-bus-redis's, loaded through {@link
 * ServiceLoader} exactly as in the tests) — so the whole real path is checked. A blocking call is logged at ERROR with its stack
 * trace, counted, and fails the operation that made it ({@link BlockingOperationError}).
 */
final class BlockHoundMode {

    private static final Logger log = LoggerFactory.getLogger(BlockHoundMode.class);
    private static final LongAdder BLOCKING_CALLS = new LongAdder();
    private static volatile boolean installed;

    /** JDK 13+ refuses BlockHound's retransformation of JDK classes without this flag (BlockHound issue #33). */
    static final String JVM_FLAG = "-XX:+AllowRedefinitionToAddDeleteMethods";

    private BlockHoundMode() {}

    /**
     * Run the demo again in a child JVM with {@link #JVM_FLAG} if {@code --blockhound} is asked for and this JVM lacks
     * the flag, so {@code java -jar sluice-demo.jar --blockhound} works as one command. The child shares this
     * process's standard streams; stopping this process stops the child (its shutdown hook drains the bus).
     *
     * @return the child's exit code, or -1 if no relaunch was needed
     */
    static int relaunchIfNeeded(String[] args) throws IOException, InterruptedException {
        boolean asked = Arrays.asList(args).contains("--blockhound");
        if (!asked || ManagementFactory.getRuntimeMXBean().getInputArguments().contains(JVM_FLAG)) {
            return -1;
        }
        String javaBinary = ProcessHandle.current()
                .info()
                .command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> command = new ArrayList<>(
                List.of(javaBinary, JVM_FLAG, "-cp", System.getProperty("java.class.path"), DemoMain.class.getName()));
        command.addAll(Arrays.asList(args));
        log.info("--blockhound: restarting in a JVM with {} (BlockHound needs it on JDK 13+)", JVM_FLAG);
        Process child = new ProcessBuilder(command).inheritIO().start();
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            child.destroy();
                            try {
                                child.waitFor(30, TimeUnit.SECONDS);
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                        },
                        "sluice-demo-child-stop"));
        return child.waitFor();
    }

    /** Install BlockHound once per JVM (later calls do nothing). */
    static synchronized void install() {
        if (installed) {
            return;
        }
        BlockHound.Builder builder = BlockHound.builder();
        List<BlockHoundIntegration> integrations = configure(builder);
        builder.install();
        installed = true;
        log.warn(
                "BlockHound is on with {}: blocking calls on Reactor/Netty threads are logged and fail",
                integrations.stream().map(i -> i.getClass().getName()).toList());
    }

    /**
     * Apply to {@code builder} every {@code BlockHoundIntegration} that {@link ServiceLoader} finds, in BlockHound's
     * order (by priority), and the callback that logs, counts and fails a blocking call. {@code BlockHound.builder()}
     * alone applies none: only {@code BlockHound.install(...)} and {@code Builder.loadIntegrations(...)} look them up.
     *
     * @return the integrations applied
     */
    static List<BlockHoundIntegration> configure(BlockHound.Builder builder) {
        List<BlockHoundIntegration> integrations = new ArrayList<>();
        ServiceLoader.load(BlockHoundIntegration.class).forEach(integrations::add);
        Collections.sort(integrations);
        integrations.forEach(builder::with);
        builder.blockingMethodCallback(method -> {
            BLOCKING_CALLS.increment();
            BlockingOperationError error = new BlockingOperationError(method);
            log.error(
                    "BLOCKING CALL on non-blocking thread {}: {}",
                    Thread.currentThread().getName(),
                    method,
                    error);
            throw error;
        });
        return integrations;
    }

    static boolean installed() {
        return installed;
    }

    /** Return how many blocking calls BlockHound caught in this JVM since {@link #install}. */
    static long blockingCalls() {
        return BLOCKING_CALLS.sum();
    }
}
