package dev.sluice.bus.redis;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;
import reactor.core.scheduler.Scheduler;

/**
 * The append-only local journal of letters Redis did not acknowledge: one line (UTF-8 JSON, see {@link
 * JournalRecord}) per letter, in the file {@code path}. Appends are group-committed: the lines queued while a batch is
 * written go into the next batch, and each batch ends with one {@link FileChannel#force}, after which its appends
 * complete. {@link #rotate()} renames the file to {@code <name>.<n>.replay} for replay, so appends meanwhile go to a
 * fresh file; a replayed file is deleted.
 *
 * <p>All file I/O runs on the given scheduler ({@code Schedulers.boundedElastic()}), one task at a time (a queue-drain
 * loop), never on the caller's thread. Thread-safe. One journal per path: two stores sharing a path would replay each
 * other's files.
 */
final class Journal {

    private static final Logger log = LoggerFactory.getLogger(Journal.class);
    private static final String REPLAY_SUFFIX = ".replay";

    private final Path path;
    private final Scheduler io;
    private final Queue<Op> ops = new ConcurrentLinkedQueue<>();
    private final AtomicInteger wip = new AtomicInteger();
    private final AtomicLong letters = new AtomicLong();
    private final AtomicLong rotations = new AtomicLong();
    private volatile @Nullable Throwable failure;
    // touched only by the drain loop, which runs one task at a time
    private @Nullable FileChannel channel;

    Journal(Path path, Scheduler io) {
        this.path = path.toAbsolutePath();
        this.io = io;
    }

    /** Return the journal file's path. */
    Path path() {
        return path;
    }

    /** Return how many letters the journal's files hold now (appended or found, not yet replayed). */
    long letters() {
        return letters.get();
    }

    /** Return the last append failure, or null if the last batch was written. */
    @Nullable
    Throwable failure() {
        return failure;
    }

    /**
     * Append {@code line} (without its newline).
     *
     * @return a {@code Mono} that completes, on the I/O scheduler, once the line is fsynced, or signals the {@link
     *     IOException} that prevented it
     */
    Mono<Void> append(String line) {
        return Mono.create(sink -> submit(new Append(line.getBytes(StandardCharsets.UTF_8), sink)));
    }

    /**
     * Close the current file and rename it for replay (if it holds anything), then list every file waiting for
     * replay: this one and any left by an earlier run, oldest first.
     *
     * @return a {@code Mono} of the files to replay (possibly empty)
     */
    Mono<List<Path>> rotate() {
        return Mono.create(sink -> submit(new Rotate(sink)));
    }

    /**
     * Count the lines of the files an earlier run left (the journal file and its {@code .replay} files) into {@link
     * #letters()}; call once, before the first rotation.
     */
    Mono<Long> recover() {
        return Mono.fromCallable(() -> {
                    long found = 0;
                    for (Path file : leftOver()) {
                        found += countLines(file);
                    }
                    letters.addAndGet(found);
                    return found;
                })
                .subscribeOn(io);
    }

    /** Read {@code file}'s lines, on the I/O scheduler, as they are requested. */
    Flux<String> lines(Path file) {
        return Flux.using(
                        () -> Files.newBufferedReader(file, StandardCharsets.UTF_8),
                        reader -> Flux.fromStream(reader.lines()).filter(line -> !line.isBlank()),
                        Journal::closeQuietly)
                .subscribeOn(io);
    }

    /** Delete a replayed file that held {@code lines} letters. */
    Mono<Void> delete(Path file, long lines) {
        return Mono.<Void>fromRunnable(() -> {
                    try {
                        Files.deleteIfExists(file);
                    } catch (IOException e) {
                        throw new UncheckedIOException("could not delete replayed journal " + file, e);
                    }
                    letters.addAndGet(-lines);
                })
                .subscribeOn(io);
    }

    /** Close the current file, once pending appends are written. */
    Mono<Void> close() {
        return Mono.create(sink -> submit(new Close(sink)));
    }

    private void submit(Op op) {
        ops.offer(op);
        if (wip.getAndIncrement() == 0) {
            io.schedule(this::drain);
        }
    }

    private void drain() {
        int missed = 1;
        List<Append> batch = new ArrayList<>();
        for (; ; ) {
            Op op;
            while ((op = ops.poll()) != null) {
                if (op instanceof Append append) {
                    batch.add(append);
                } else {
                    write(batch);
                    batch.clear();
                    if (op instanceof Rotate rotate) {
                        rotate(rotate.sink);
                    } else if (op instanceof Close close) {
                        closeChannel();
                        close.sink.success();
                    }
                }
            }
            write(batch);
            batch.clear();
            missed = wip.addAndGet(-missed);
            if (missed == 0) {
                return;
            }
        }
    }

    private void write(List<Append> batch) {
        if (batch.isEmpty()) {
            return;
        }
        try {
            FileChannel out = channel;
            if (out == null) {
                Path dir = path.getParent();
                if (dir != null) {
                    Files.createDirectories(dir);
                }
                out = FileChannel.open(
                        path, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
                channel = out;
            }
            ByteBuffer[] buffers = new ByteBuffer[batch.size() * 2];
            long remaining = 0;
            for (int i = 0; i < batch.size(); i++) {
                byte[] line = batch.get(i).line;
                buffers[2 * i] = ByteBuffer.wrap(line);
                buffers[2 * i + 1] = ByteBuffer.wrap(NEWLINE);
                remaining += line.length + 1;
            }
            while (remaining > 0) {
                remaining -= out.write(buffers);
            }
            out.force(false);
            failure = null;
        } catch (IOException | RuntimeException e) {
            failure = e;
            closeChannel(); // reopen on the next batch; a torn last line is skipped on replay
            IOException error = e instanceof IOException io ? io : new IOException(e);
            for (Append append : batch) {
                append.sink.error(new IOException("could not journal a dead letter to " + path + ": " + e, error));
            }
            return;
        }
        letters.addAndGet(batch.size());
        for (Append append : batch) {
            append.sink.success();
        }
    }

    private void rotate(MonoSink<List<Path>> sink) {
        try {
            closeChannel();
            if (Files.exists(path) && Files.size(path) > 0) {
                Path target = path.resolveSibling(path.getFileName() + "." + System.nanoTime() + "-"
                        + rotations.incrementAndGet() + REPLAY_SUFFIX);
                Files.move(path, target, StandardCopyOption.ATOMIC_MOVE);
            }
            List<Path> waiting = new ArrayList<>();
            for (Path file : leftOver()) {
                if (!file.equals(path)) {
                    waiting.add(file);
                }
            }
            sink.success(waiting);
        } catch (IOException | RuntimeException e) {
            sink.error(e);
        }
    }

    /** The journal file (if any) and its replay files, oldest replay file first (by modification time). */
    private List<Path> leftOver() throws IOException {
        List<Path> files = new ArrayList<>();
        Path dir = path.getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            return files;
        }
        String name = path.getFileName().toString();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(
                dir,
                file -> file.getFileName().toString().startsWith(name + ".")
                        && file.getFileName().toString().endsWith(REPLAY_SUFFIX))) {
            stream.forEach(files::add);
        }
        files.sort((a, b) -> {
            try {
                return Files.getLastModifiedTime(a).compareTo(Files.getLastModifiedTime(b));
            } catch (IOException e) {
                return a.compareTo(b);
            }
        });
        if (Files.exists(path)) {
            files.add(path);
        }
        return files;
    }

    private static long countLines(Path file) throws IOException {
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return reader.lines().filter(line -> !line.isBlank()).count();
        }
    }

    private void closeChannel() {
        FileChannel out = channel;
        channel = null;
        if (out != null) {
            try {
                out.close();
            } catch (IOException e) {
                log.warn("Could not close dead-letter journal {}", path, e);
            }
        }
    }

    private static void closeQuietly(BufferedReader reader) {
        try {
            reader.close();
        } catch (IOException e) {
            log.debug("Could not close a journal reader", e);
        }
    }

    private static final byte[] NEWLINE = {'\n'};

    private sealed interface Op permits Append, Rotate, Close {}

    private record Append(byte[] line, MonoSink<Void> sink) implements Op {}

    private record Rotate(MonoSink<List<Path>> sink) implements Op {}

    private record Close(MonoSink<Void> sink) implements Op {}
}
