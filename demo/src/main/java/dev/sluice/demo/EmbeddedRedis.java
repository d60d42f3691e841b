package dev.sluice.demo;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.embedded.core.ExecutableProvider;

/**
 * The embedded Redis the demo runs when no {@code SLUICE_REDIS_URL} is given: the redis-server 6.2 binary of
 * codemonstur embedded-redis, bound to loopback, with AOF on ({@code appendonly yes}, {@code appendfsync always}: a
 * write is on disk before Redis acknowledges it) and every file in one directory, so dead letters survive a restart
 * and a crash of the demo, of Redis, or of both.
 *
 * <p>The server is a child process, and a child outlives a JVM killed with SIGKILL. So its pid and port are recorded
 * in {@value #RECORD} in the directory, and the next start on that directory decides:
 *
 * <ul>
 *   <li>a recorded server is <em>ours</em> if it is a live redis-server working in this directory (Redis works in its
 *       {@code dir}): its working directory as Linux {@code /proc} shows it, or elsewhere the {@code dir} it reports
 *       on the recorded port with the recorded pid;
 *   <li><b>adopt</b> it if it is ours, answers on the recorded port with the recorded pid, and its {@code CONFIG GET
 *       dir} is this directory;
 *   <li><b>stop</b> it (SIGTERM, then SIGKILL) if it is ours but not adoptable (it does not answer, say), then start a
 *       new server on the same files;
 *   <li><b>leave alone</b> a process that is gone, is not a redis-server, or is a redis-server working elsewhere (the
 *       pid was reused), and start a new server;
 *   <li><b>refuse</b> to start if the recorded pid is a redis-server that does not answer and whose working directory
 *       cannot be read (not Linux): it may still be writing these files, and it may not be ours to kill.
 * </ul>
 *
 * A server started or adopted is stopped by {@link #close()}, or by {@link #closeUnlessShared()} (the demo's shutdown
 * hook calls it) unless a demo that joined it ({@code --join}) still uses it, so no server outlives the demos that
 * use it, and none is stopped under one. A lock on {@value #LOCK} keeps two demos off one directory. Start and close block the
 * calling thread (main or the shutdown hook), never a Reactor or Netty thread.
 */
final class EmbeddedRedis implements AutoCloseable {

    /** The record of the running server in its directory: {@code pid} and {@code port} as Java properties. */
    static final String RECORD = "server.properties";
    /** Held (an OS file lock) while a demo uses the directory; the OS drops it when that JVM dies. */
    static final String LOCK = "demo.lock";
    /** The server's standard output and error: its log. */
    static final String LOG = "redis.log";

    private static final Logger log = LoggerFactory.getLogger(EmbeddedRedis.class);
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(2);
    private static final int LAUNCH_ATTEMPTS = 3;
    /**
     * {@code setsid}, where the system has it: the server runs in a session of its own, so the Ctrl-C that a terminal
     * sends to the demo's process group does not stop a Redis that a demo which joined it still uses; the demo's own
     * shutdown hook decides ({@link #closeUnlessShared()}). {@code setsid} execs the server in place (same pid).
     */
    private static final List<String> SETSID =
            Files.isExecutable(Path.of("/usr/bin/setsid")) ? List.of("/usr/bin/setsid") : List.of();

    private final Path dir;
    private final ProcessHandle server;
    private final int port;
    private final boolean adopted;
    private final FileChannel lockFile;
    private final FileLock lock;

    private EmbeddedRedis(
            Path dir, ProcessHandle server, int port, boolean adopted, FileChannel lockFile, FileLock lock) {
        this.dir = dir;
        this.server = server;
        this.port = port;
        this.adopted = adopted;
        this.lockFile = lockFile;
        this.lock = lock;
    }

    /**
     * Adopt the server recorded in {@code dir}, or start one there on a free loopback port; see the class comment.
     *
     * @throws IOException if another demo uses {@code dir}, a recorded server can be neither adopted nor safely stopped,
     *     or the server cannot start (it needs Linux with OpenSSL 3, or macOS)
     */
    static EmbeddedRedis start(Path dir) throws IOException {
        Path real = Files.createDirectories(dir).toRealPath();
        FileChannel lockFile =
                FileChannel.open(real.resolve(LOCK), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = lockFile.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null; // this JVM holds it already
        }
        if (lock == null) {
            lockFile.close();
            throw new IOException("Another demo is using the embedded Redis in " + real
                    + "; stop it, or give this one another --data-dir");
        }
        RedisClient probe = RedisClient.create();
        try {
            EmbeddedRedis redis = adoptRecorded(real, probe, lockFile, lock);
            return redis != null ? redis : launch(real, probe, lockFile, lock);
        } catch (IOException | RuntimeException e) {
            lock.release();
            lockFile.close();
            throw e;
        } finally {
            probe.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }

    /** Return the server's URI, {@code redis://127.0.0.1:<port>}. */
    String url() {
        return "redis://127.0.0.1:" + port;
    }

    /** Return the server's pid. */
    long pid() {
        return server.pid();
    }

    /** Return whether the server was left running by an earlier demo and adopted by this one. */
    boolean adopted() {
        return adopted;
    }

    /** Return the server's directory (a real path): its AOF, log, and {@value #RECORD}. */
    Path dir() {
        return dir;
    }

    /** Stop the server (SIGTERM: Redis flushes its AOF and exits; SIGKILL after 10 s), delete its record, unlock. */
    @Override
    public void close() throws IOException {
        try {
            RedisProcesses.stop(server);
            Files.deleteIfExists(dir.resolve(RECORD));
        } finally {
            lock.release();
            lockFile.close();
        }
    }

    /**
     * Stop the server as {@link #close()} does, unless another client is still connected to it (a demo that joined
     * it with {@code --join}, a {@code redis-cli}): then leave it running with its record, so that the next demo on
     * this directory adopts it, and only unlock the directory. Call it once this demo closed its own connections.
     *
     * @return whether the server was stopped
     */
    boolean closeUnlessShared() throws IOException {
        long others = otherClients();
        if (others == 0) {
            close();
            return true;
        }
        try {
            log.info(
                    "Left the embedded Redis (pid {}, port {}) running: {} other client(s) use it; the next demo on {} "
                            + "adopts it",
                    server.pid(),
                    port,
                    others,
                    dir);
        } finally {
            lock.release();
            lockFile.close();
        }
        return false;
    }

    /**
     * Return how many clients other than this probe are connected; a connection this demo has just closed may be
     * counted for a moment, so a count above 0 is looked at again for up to 2 s, 100 ms apart (on the closing thread).
     */
    private long otherClients() {
        RedisClient probe = RedisClient.create();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        try (StatefulRedisConnection<String, String> connection = probe.connect(uri(port))) {
            while (true) {
                String count = infoField(connection.sync().info("clients"), "connected_clients");
                long others = count == null ? 0 : Long.parseLong(count) - 1;
                if (others <= 0 || System.nanoTime() - deadline > 0) {
                    return Math.max(0, others);
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
            }
        } catch (RuntimeException e) {
            return 0; // it does not answer: no one can be using it
        } finally {
            probe.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }

    private static @Nullable EmbeddedRedis adoptRecorded(
            Path dir, RedisClient probe, FileChannel lockFile, FileLock lock) throws IOException {
        Path recordFile = dir.resolve(RECORD);
        long[] record = readRecord(recordFile);
        if (record == null) {
            return null;
        }
        long pid = record[0];
        int port = (int) record[1];
        Optional<ProcessHandle> alive = ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
        Optional<ProcessHandle> process = alive.filter(RedisProcesses::isRedisServer);
        if (process.isEmpty()) {
            log.info(
                    "The embedded Redis recorded in {} (pid {}) is gone{}; starting a new one on its files",
                    dir,
                    pid,
                    alive.isPresent() ? " (that pid is now another program's: left alone)" : "");
            Files.delete(recordFile);
            return null;
        }
        Identity answer = identify(probe, port);
        boolean answersAsRecorded = answer != null && answer.pid() == pid;
        // ours means working in this directory (Redis works in its dir): /proc says so, else the server itself
        Optional<Path> workingDir = RedisProcesses.workingDirectory(pid);
        if (workingDir.isEmpty() && answer != null && answersAsRecorded) {
            workingDir = Optional.of(answer.dir());
        }
        if (workingDir.isEmpty()) {
            throw new IOException("The redis-server with pid " + pid + " recorded in " + recordFile
                    + " is running but does not answer on port " + port + ", and this system cannot tell whether it "
                    + "works in " + dir + ": stop it (or, if it is not the demo's, delete " + recordFile + ")");
        }
        if (!workingDir.get().equals(dir)) {
            log.info(
                    "pid {} recorded in {} is a redis-server working in {}, not this directory's: leaving it alone",
                    pid,
                    dir,
                    workingDir.get());
            Files.delete(recordFile);
            return null;
        }
        if (answer != null && answersAsRecorded && dir.equals(answer.dir()) && keepPersistence(probe, port)) {
            log.info(
                    "Adopted the embedded Redis (pid {}, port {}) that an earlier demo left running on {} (it was "
                            + "killed, or left it to a demo that joined it); it is stopped when this demo stops, "
                            + "unless another demo still uses it",
                    pid,
                    port,
                    dir);
            return new EmbeddedRedis(dir, process.get(), port, true, lockFile, lock);
        }
        log.warn(
                "Stopping the embedded Redis (pid {}) working in {}: it {}; starting a new one on its files",
                pid,
                dir,
                answer == null || !answersAsRecorded
                        ? "does not answer on its recorded port " + port
                        : dir.equals(answer.dir()) ? "cannot keep an AOF" : "reports its dir as " + answer.dir());
        RedisProcesses.stop(process.get());
        Files.delete(recordFile);
        return null;
    }

    private static EmbeddedRedis launch(Path dir, RedisClient probe, FileChannel lockFile, FileLock lock)
            throws IOException {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path binary =
                ExecutableProvider.newJarResourceProvider(bin.toFile()).get().toPath();
        IOException failure = new IOException("redis-server did not start in " + LAUNCH_ATTEMPTS + " attempts");
        // a free port can be taken between finding it and Redis binding it: try another
        for (int attempt = 1; attempt <= LAUNCH_ATTEMPTS; attempt++) {
            int port = freePort();
            List<String> command = new ArrayList<>(SETSID);
            command.addAll(List.of(
                    binary.toString(),
                    "--bind",
                    "127.0.0.1",
                    "--port",
                    Integer.toString(port),
                    "--dir",
                    dir.toString(),
                    "--appendonly",
                    "yes",
                    "--appendfsync",
                    "always",
                    "--save",
                    ""));
            Process process = new ProcessBuilder(command)
                    .directory(dir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(
                            ProcessBuilder.Redirect.appendTo(dir.resolve(LOG).toFile()))
                    .start();
            process.getOutputStream().close();
            try {
                awaitReady(probe, process, port, dir.resolve(LOG));
            } catch (IOException e) {
                RedisProcesses.stop(process.toHandle());
                failure.addSuppressed(e);
                continue;
            }
            writeRecord(dir.resolve(RECORD), process.pid(), port);
            log.info(
                    "Started the embedded Redis (pid {}, port {}) with its AOF and log in {}",
                    process.pid(),
                    port,
                    dir);
            return new EmbeddedRedis(dir, process.toHandle(), port, false, lockFile, lock);
        }
        throw failure;
    }

    /** Poll until the server answers PING (not while it loads its AOF), on the starting thread: bounded, 50 ms apart. */
    private static void awaitReady(RedisClient probe, Process process, int port, Path logFile) throws IOException {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        while (true) {
            if (!process.isAlive()) {
                throw new IOException("redis-server exited with " + process.exitValue() + " before it was ready (it "
                        + "needs Linux with OpenSSL 3, or macOS); see its log " + logFile);
            }
            try (StatefulRedisConnection<String, String> connection = probe.connect(uri(port))) {
                if ("PONG".equals(connection.sync().ping())) {
                    return;
                }
            } catch (RuntimeException notYet) {
                // not listening yet, or LOADING its AOF
            }
            if (System.nanoTime() - deadline > 0) {
                throw new IOException("redis-server on port " + port + " was not ready within " + READY_TIMEOUT);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
        }
    }

    /** The process id and directory a server reports about itself. */
    private record Identity(long pid, Path dir) {}

    private static @Nullable Identity identify(RedisClient probe, int port) {
        try (StatefulRedisConnection<String, String> connection = probe.connect(uri(port))) {
            RedisCommands<String, String> redis = connection.sync();
            String pid = infoField(redis.info("server"), "process_id");
            String dir = redis.configGet("dir").get("dir");
            if (pid == null || dir == null) {
                return null;
            }
            return new Identity(Long.parseLong(pid), Path.of(dir).toRealPath());
        } catch (RuntimeException | IOException e) {
            return null; // not listening, not Redis, or its dir is gone: not adoptable
        }
    }

    /** Make sure an adopted server writes an fsynced AOF, whatever changed it since; return whether it could. */
    private static boolean keepPersistence(RedisClient probe, int port) {
        try (StatefulRedisConnection<String, String> connection = probe.connect(uri(port))) {
            // one setting per CONFIG SET: Redis 6.2 takes no more
            connection.sync().configSet("appendonly", "yes");
            connection.sync().configSet("appendfsync", "always");
            return true;
        } catch (RuntimeException e) {
            log.warn("Could not make the recorded embedded Redis on port {} keep an AOF: {}", port, e.toString());
            return false;
        }
    }

    private static @Nullable String infoField(String info, String name) {
        return info.lines()
                .filter(line -> line.startsWith(name + ":"))
                .map(line -> line.substring(name.length() + 1).trim())
                .findFirst()
                .orElse(null);
    }

    /** Return {@code {pid, port}}, or null if there is no record or it is unreadable (then it is deleted). */
    private static long @Nullable [] readRecord(Path file) throws IOException {
        if (!Files.exists(file)) {
            return null;
        }
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file)) {
            properties.load(reader);
            return new long[] {
                Long.parseLong(properties.getProperty("pid", "")), Integer.parseInt(properties.getProperty("port", ""))
            };
        } catch (IllegalArgumentException e) {
            log.warn("Ignoring the unreadable record {}: {}", file, e.getMessage());
            Files.delete(file);
            return null;
        }
    }

    /** Write the record atomically, so a kill mid-write leaves the old record or the new one, never half of one. */
    private static void writeRecord(Path file, long pid, int port) throws IOException {
        Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(temporary, "pid=" + pid + "\nport=" + port + "\n");
        Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private static RedisURI uri(int port) {
        return RedisURI.builder()
                .withHost("127.0.0.1")
                .withPort(port)
                .withTimeout(PROBE_TIMEOUT)
                .build();
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free loopback port for the embedded Redis", e);
        }
    }
}
