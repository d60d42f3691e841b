package dev.sluice.demo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the demo asks the operating system about a redis-server process it may have started: whether a pid is one, where
 * it works, and how to stop it. {@link EmbeddedRedis} decides with these whether a recorded server is its own. Every
 * method blocks the calling thread (main or the shutdown hook), never a Reactor or Netty thread.
 */
final class RedisProcesses {

    private static final Logger log = LoggerFactory.getLogger(RedisProcesses.class);
    /** How long a SIGTERM, then a SIGKILL, may take to end the server. */
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);

    private RedisProcesses() {}

    /** Return whether {@code process} runs a {@code redis-server} executable. */
    static boolean isRedisServer(ProcessHandle process) {
        return process.info()
                .command()
                .map(command -> Path.of(command).getFileName())
                .map(name -> name.toString().startsWith("redis-server"))
                .orElse(false);
    }

    /** Return the working directory of {@code pid} where the system shows it ({@code /proc} on Linux). */
    static Optional<Path> workingDirectory(long pid) {
        try {
            return Optional.of(Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "cwd")));
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return Optional.empty();
        }
    }

    /** SIGTERM, wait up to 10 s, then SIGKILL; blocks the calling thread (main or the shutdown hook). */
    static void stop(ProcessHandle process) throws IOException {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        if (awaitExit(process, STOP_TIMEOUT)) {
            return;
        }
        log.warn("redis-server (pid {}) did not stop within {} of SIGTERM: killing it", process.pid(), STOP_TIMEOUT);
        process.destroyForcibly();
        if (!awaitExit(process, STOP_TIMEOUT)) {
            throw new IOException("redis-server (pid " + process.pid() + ") is still running after SIGKILL");
        }
    }

    static boolean awaitExit(ProcessHandle process, Duration timeout) throws IOException {
        try {
            process.onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            throw new IOException("could not wait for redis-server (pid " + process.pid() + ")", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while stopping redis-server (pid " + process.pid() + ")", e);
        }
    }
}
