package dev.sluice.demo;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One demo instance of the multi-process scenario: a child JVM running {@link DemoMain} (the same {@code java} binary
 * and class path as this process) with a durable {@code order.placed} on the scenario's Redis, calling the scenario's
 * downstream, with a data directory of its own and a free port. Its standard output and error go to a log file, from
 * which {@link #awaitListening} reads the bound address. {@link #kill9()} ends it as a crash does (SIGKILL on Linux:
 * no shutdown hook runs); {@link #stop(Duration)} as an operator does (SIGTERM: the demo drains and hands its
 * partitions over). Every method blocks the calling thread (the scenario's, main or a test), never a Reactor thread.
 */
final class ChildInstance {

    /** What each child needs to know; the same for all of them and their restarts. */
    record Launch(
            String redisUrl,
            String downstreamUrl,
            String keyPrefix,
            Path dataDir,
            String classPath,
            boolean blockhound) {}

    /** Heap of each child: the demo needs little, and two or three share the machine with the scenario. */
    static final String HEAP = "-Xmx256m";

    private static final Pattern LISTENING = Pattern.compile("Sluice demo listening on (http://\\S+?)/ ");
    private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    private static final Duration KILL_TIMEOUT = Duration.ofSeconds(30);

    private final String name;
    private final Process process;
    private final Path log;
    private final long logStart;

    private ChildInstance(String name, Process process, Path log, long logStart) {
        this.name = name;
        this.process = process;
        this.log = log;
        this.logStart = logStart;
    }

    /**
     * Start instance {@code name} (its files in {@code <dataDir>/<name>}, its output appended to {@code
     * <dataDir>/<name>.log}, so a restart keeps its predecessor's lines).
     *
     * @throws IOException if the JVM cannot be started
     */
    static ChildInstance start(String name, Launch launch) throws IOException {
        Path log = launch.dataDir().resolve(name + ".log");
        Files.createDirectories(launch.dataDir());
        long logStart = Files.exists(log) ? Files.size(log) : 0;
        Process process = new ProcessBuilder(command(name, launch))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        return new ChildInstance(name, process, log, logStart);
    }

    /** Return the child's command line: {@code java … DemoMain} with the options of a scenario instance. */
    static List<String> command(String name, Launch launch) {
        String java = ProcessHandle.current()
                .info()
                .command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> command = new ArrayList<>(List.of(java, HEAP));
        if (launch.blockhound()) {
            command.add(BlockHoundMode.JVM_FLAG); // with it the child installs BlockHound itself, in place
        }
        command.addAll(List.of("-cp", launch.classPath(), DemoMain.class.getName()));
        command.addAll(List.of(
                "--host", "127.0.0.1",
                "--port", "0",
                "--redis-url", launch.redisUrl(),
                "--downstream-url", launch.downstreamUrl(),
                "--key-prefix", launch.keyPrefix(),
                "--data-dir", launch.dataDir().resolve(name).toString()));
        if (launch.blockhound()) {
            command.add("--blockhound");
        }
        return command;
    }

    String name() {
        return name;
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** Return the exit code, or empty while the child runs. */
    Optional<Integer> exitCode() {
        return process.isAlive() ? Optional.empty() : Optional.of(process.exitValue());
    }

    Path log() {
        return log;
    }

    /**
     * Wait until the child logs the address its API listens on, polling its log every 50 ms.
     *
     * @return the base URL, e.g. {@code http://127.0.0.1:40123}
     * @throws IOException if the child exits first or says nothing within {@code timeout}; it quotes the log's end
     */
    String awaitListening(Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            boolean exited = !process.isAlive(); // read before the log, so a last line written is not missed
            Optional<String> url = ownOutput()
                    .lines()
                    .map(LISTENING::matcher)
                    .filter(Matcher::find)
                    .map(match -> match.group(1))
                    .findFirst();
            if (url.isPresent() && !exited) {
                return url.get();
            }
            if (exited) {
                throw new IOException(
                        this + " exited with " + process.exitValue() + " before it listened; its log ends:\n" + tail());
            }
            if (System.nanoTime() - deadline > 0) {
                throw new IOException(this + " did not listen within " + timeout + "; its log ends:\n" + tail());
            }
            LockSupport.parkNanos(POLL_NANOS);
        }
    }

    /**
     * Kill the child with SIGKILL, as a crash would, and wait until it is gone.
     *
     * @throws IOException if it still runs 30 s after SIGKILL
     */
    void kill9() throws IOException {
        process.destroyForcibly();
        if (!awaitExit(KILL_TIMEOUT)) {
            throw new IOException(this + " still runs " + KILL_TIMEOUT + " after SIGKILL");
        }
    }

    /**
     * Ask the child to stop with SIGTERM (its shutdown hook closes the demo) and wait; SIGKILL after {@code timeout}.
     *
     * @return whether it stopped within {@code timeout} of SIGTERM
     * @throws IOException if it still runs after SIGKILL too
     */
    boolean stop(Duration timeout) throws IOException {
        process.destroy();
        if (awaitExit(timeout)) {
            return true;
        }
        kill9();
        return false;
    }

    /** Return the last 40 lines this child logged. */
    String tail() {
        try {
            List<String> lines = ownOutput().lines().toList();
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(cannot read " + log + ": " + e.getMessage() + ")";
        }
    }

    /** Return what this child wrote: the log from where it started (a restart appends to its predecessor's). */
    private String ownOutput() throws IOException {
        byte[] bytes = Files.readAllBytes(log);
        int from = (int) Math.min(logStart, bytes.length);
        return new String(bytes, from, bytes.length - from, StandardCharsets.UTF_8);
    }

    private boolean awaitExit(Duration timeout) throws IOException {
        try {
            process.onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            throw new IOException("could not wait for " + this, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for " + this, e);
        }
    }

    @Override
    public String toString() {
        return "demo instance " + name + " (pid " + process.pid() + ")";
    }
}
