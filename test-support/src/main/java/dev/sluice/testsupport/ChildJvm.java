package dev.sluice.testsupport;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * A main class run in a child JVM, for tests that must crash, kill or restart a whole process: the same {@code java}
 * binary and class path as the running test ({@code java.class.path}), BlockHound's JVM flag
 * ({@value #BLOCKHOUND_FLAG}), and the given JVM options, arguments and environment. Its standard output and error
 * go to one log file (by default under {@code target/child-jvm/}), which the test can wait on and read.
 *
 * <p>{@link #kill9()} ends the JVM the way a crash does (SIGKILL on Linux and macOS): no shutdown hook runs, and the
 * processes it started live on as orphans. {@link #stop(Duration)} ends it the way an operator does (SIGTERM: its
 * shutdown hooks run). {@link #close()} never leaves the JVM running, nor any process it started that this object saw
 * (see {@link #descendants()}): use it in try-with-resources. Methods block the calling thread (a test's), with the
 * bounds they are given; thread-safe.
 *
 * <pre>{@code
 * try (ChildJvm demo = ChildJvm.builder(DemoMain.class).args("--port", "0").start()) {
 *     Matcher listening = demo.awaitOutput(Pattern.compile("listening on (\\S+)"), Duration.ofSeconds(60));
 *     ...
 *     demo.kill9();
 * }
 * }</pre>
 */
public final class ChildJvm implements AutoCloseable {

    /** JDK 13+ refuses BlockHound's retransformation of JDK classes without this flag (BlockHound issue #33). */
    public static final String BLOCKHOUND_FLAG = "-XX:+AllowRedefinitionToAddDeleteMethods";

    /** Default bound of {@link #close()}'s wait for the processes to end. */
    public static final Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(30);

    private static final AtomicLong COUNTER = new AtomicLong();
    private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    private final Process process;
    private final String name;
    private final Path output;
    private final List<ProcessHandle> seen = new CopyOnWriteArrayList<>();

    private ChildJvm(Process process, String name, Path output) {
        this.process = process;
        this.name = name;
        this.output = output;
    }

    /**
     * Return a builder for a child JVM that runs {@code mainClass}.
     *
     * @throws NullPointerException if {@code mainClass} is null
     */
    public static Builder builder(Class<?> mainClass) {
        return new Builder(Objects.requireNonNull(mainClass, "mainClass").getName());
    }

    /**
     * Return a builder for a child JVM that runs the class named {@code mainClass}.
     *
     * @throws NullPointerException if {@code mainClass} is null
     */
    public static Builder builder(String mainClass) {
        return new Builder(Objects.requireNonNull(mainClass, "mainClass"));
    }

    /** Return the JVM's pid. */
    public long pid() {
        return process.pid();
    }

    /** Return the JVM's process handle. */
    public ProcessHandle handle() {
        return process.toHandle();
    }

    /** Return whether the JVM is running. */
    public boolean isAlive() {
        return process.isAlive();
    }

    /** Return the file that receives the JVM's standard output and error. */
    public Path output() {
        return output;
    }

    /** Return what the JVM wrote to its standard output and error so far. */
    public String outputText() {
        try {
            return Files.readString(output, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the output of " + this, e);
        }
    }

    /**
     * Return the processes the JVM started, directly or not, that are alive now. Each is remembered, so that {@link
     * #close()} ends it even after {@link #kill9()} has orphaned it (an orphan is no longer a descendant).
     */
    public List<ProcessHandle> descendants() {
        List<ProcessHandle> now = process.descendants().toList();
        for (ProcessHandle handle : now) {
            if (!seen.contains(handle)) {
                seen.add(handle);
            }
        }
        return now;
    }

    /**
     * Wait until a line of the output matches {@code pattern}, polling the file every 50 ms.
     *
     * @return the match of the first matching line
     * @throws AssertionError if no line matches within {@code timeout}, or the JVM exits first; it quotes the output
     */
    public Matcher awaitOutput(Pattern pattern, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            boolean exited = !process.isAlive(); // read before the output, so a last line written is not missed
            Optional<Matcher> match = outputText()
                    .lines()
                    .map(pattern::matcher)
                    .filter(Matcher::find)
                    .findFirst();
            if (match.isPresent()) {
                return match.get();
            }
            if (exited) {
                throw new AssertionError(this + " exited with " + process.exitValue() + " before its output matched "
                        + pattern + "; output:\n" + outputText());
            }
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError(this + " did not print a match of " + pattern + " within " + timeout
                        + "; output:\n" + outputText());
            }
            LockSupport.parkNanos(POLL_NANOS);
        }
    }

    /**
     * Kill the JVM with SIGKILL, as a crash would, and wait until it is gone (at most 30 s). No shutdown hook runs;
     * the processes it started keep running (they are remembered: see {@link #descendants()}).
     *
     * @throws IllegalStateException if the JVM is still running 30 s after SIGKILL
     */
    public void kill9() {
        descendants();
        process.destroyForcibly();
        if (!awaitExit(process.toHandle(), DEFAULT_CLOSE_TIMEOUT)) {
            throw new IllegalStateException(this + " still runs " + DEFAULT_CLOSE_TIMEOUT + " after SIGKILL");
        }
    }

    /**
     * Ask the JVM to stop with SIGTERM, so its shutdown hooks run, and wait for it to exit; SIGKILL after {@code
     * timeout}.
     *
     * @return the exit code (143 after SIGTERM for a JVM that does not call {@code System.exit} itself)
     * @throws AssertionError if the JVM did not exit within {@code timeout} of SIGTERM (it is killed before this is
     *     thrown)
     */
    public int stop(Duration timeout) {
        descendants();
        process.destroy();
        if (!awaitExit(process.toHandle(), timeout)) {
            kill9();
            throw new AssertionError(
                    this + " did not stop within " + timeout + " of SIGTERM; it was killed; output:\n" + outputText());
        }
        return process.exitValue();
    }

    /**
     * Wait for the JVM to exit by itself.
     *
     * @return the exit code
     * @throws AssertionError if it is still running after {@code timeout}
     */
    public int awaitExit(Duration timeout) {
        if (!awaitExit(process.toHandle(), timeout)) {
            throw new AssertionError(this + " still runs after " + timeout + "; output:\n" + outputText());
        }
        return process.exitValue();
    }

    /**
     * Kill the JVM and every process it started that is still running (the live descendants, and the ones seen
     * earlier by {@link #descendants()}, {@link #kill9()} or {@link #stop(Duration)}) with SIGKILL, and wait up to 30
     * s for them to end. Does nothing for processes already gone; safe to call twice.
     *
     * @throws IllegalStateException if one is still running after 30 s
     */
    @Override
    public void close() {
        descendants();
        List<ProcessHandle> all = new ArrayList<>(seen);
        all.add(process.toHandle());
        // ProcessHandle checks the process's start time: a pid reused since it was seen is not killed
        all.forEach(ProcessHandle::destroyForcibly);
        List<Long> running = new ArrayList<>();
        for (ProcessHandle handle : all) {
            if (!awaitExit(handle, DEFAULT_CLOSE_TIMEOUT)) {
                running.add(handle.pid());
            }
        }
        if (!running.isEmpty()) {
            throw new IllegalStateException(this + ": processes " + running + " still run after SIGKILL");
        }
    }

    @Override
    public String toString() {
        return "ChildJvm[" + name + ", pid " + process.pid() + "]";
    }

    private static boolean awaitExit(ProcessHandle handle, Duration timeout) {
        try {
            handle.onExit().get(timeout.toNanos(), TimeUnit.NANOSECONDS);
            return true;
        } catch (TimeoutException e) {
            return !handle.isAlive();
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot wait for pid " + handle.pid(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for pid " + handle.pid(), e);
        }
    }

    /** What to run and how; {@link #start()} launches it. Not thread-safe. */
    public static final class Builder {

        private final String mainClass;
        private final List<String> jvmOptions = new ArrayList<>(List.of(BLOCKHOUND_FLAG));
        private final List<String> args = new ArrayList<>();
        private final Map<String, @Nullable String> environment = new LinkedHashMap<>();
        private @Nullable Path workingDirectory;
        private @Nullable Path output;

        private Builder(String mainClass) {
            this.mainClass = mainClass;
        }

        /** Add JVM options, such as {@code -Xmx256m} or {@code -Dkey=value}, after {@value #BLOCKHOUND_FLAG}. */
        public Builder jvmOptions(String... options) {
            for (String option : options) {
                jvmOptions.add(Objects.requireNonNull(option, "option"));
            }
            return this;
        }

        /** Add arguments to the main class. */
        public Builder args(String... arguments) {
            for (String argument : arguments) {
                args.add(Objects.requireNonNull(argument, "argument"));
            }
            return this;
        }

        /** Set the environment variable {@code name} to {@code value} in the child, or remove it if {@code value} is null. */
        public Builder env(String name, @Nullable String value) {
            environment.put(Objects.requireNonNull(name, "name"), value);
            return this;
        }

        /** Run the child in {@code directory}; default: the test's working directory. */
        public Builder workingDirectory(Path directory) {
            this.workingDirectory = Objects.requireNonNull(directory, "directory");
            return this;
        }

        /**
         * Write the child's standard output and error to {@code file} (appended); default: a new file {@code
         * target/child-jvm/<simple class name>-<n>.log} under the module's directory ({@code basedir}).
         */
        public Builder output(Path file) {
            this.output = Objects.requireNonNull(file, "file");
            return this;
        }

        /**
         * Start the child JVM; it runs when this returns (no wait for it to be ready: see {@link #awaitOutput}).
         *
         * @throws UncheckedIOException if the process cannot be started or its log file created
         */
        public ChildJvm start() {
            String simpleName = mainClass.substring(mainClass.lastIndexOf('.') + 1);
            Path log = output != null
                    ? output
                    : Path.of(System.getProperty("basedir", "."), "target", "child-jvm")
                            .resolve(simpleName + "-" + ProcessHandle.current().pid() + "-" + COUNTER.incrementAndGet()
                                    + ".log")
                            .toAbsolutePath();
            List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.addAll(jvmOptions);
            command.add("-cp");
            command.add(System.getProperty("java.class.path"));
            command.add(mainClass);
            command.addAll(args);
            ProcessBuilder builder = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .redirectInput(ProcessBuilder.Redirect.from(nullFile()));
            if (workingDirectory != null) {
                builder.directory(workingDirectory.toFile());
            }
            environment.forEach((name, value) -> {
                if (value == null) {
                    builder.environment().remove(name);
                } else {
                    builder.environment().put(name, value);
                }
            });
            try {
                Path parent = log.toAbsolutePath().getParent();
                if (parent != null) {
                    Files.createDirectories(parent);
                }
                return new ChildJvm(builder.start(), simpleName, log);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start a child JVM running " + mainClass, e);
            }
        }

        private static File nullFile() {
            return new File(System.getProperty("os.name").startsWith("Windows") ? "NUL" : "/dev/null");
        }
    }
}
