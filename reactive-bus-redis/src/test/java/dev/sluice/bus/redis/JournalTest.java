package dev.sluice.bus.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

class JournalTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    @Test
    void concurrentAppendsAllLandAsWholeLinesAndAreCounted() throws IOException {
        Journal journal = new Journal(dir.resolve("j.journal"), Schedulers.boundedElastic());

        // appended from Reactor's non-blocking parallel threads: the file I/O must hop to boundedElastic
        StepVerifier.create(Flux.range(0, 500)
                        .parallel(4)
                        .runOn(Schedulers.parallel())
                        .flatMap(i -> journal.append("{\"line\":" + i + "}"))
                        .sequential()
                        .then())
                .expectComplete()
                .verify(WAIT);

        List<String> lines = Files.readAllLines(journal.path());
        assertThat(lines).hasSize(500).allMatch(line -> line.matches("\\{\"line\":\\d+}"));
        assertThat(journal.letters()).isEqualTo(500);
        assertThat(journal.failure()).isNull();
    }

    @Test
    void rotationHandsTheFileOverForReplayAndNewAppendsGoToAFreshOne() throws IOException {
        Journal journal = new Journal(dir.resolve("j.journal"), Schedulers.boundedElastic());
        StepVerifier.create(journal.append("a").then(journal.append("b")))
                .expectComplete()
                .verify(WAIT);

        List<Path> waiting = journal.rotate().block(WAIT);
        StepVerifier.create(journal.append("c")).expectComplete().verify(WAIT);

        assertThat(waiting).hasSize(1);
        assertThat(waiting.get(0).getFileName().toString())
                .startsWith("j.journal.")
                .endsWith(".replay");
        StepVerifier.create(journal.lines(waiting.get(0)))
                .expectNext("a", "b")
                .expectComplete()
                .verify(WAIT);
        assertThat(Files.readAllLines(journal.path())).containsExactly("c");
        StepVerifier.create(journal.delete(waiting.get(0), 2)).expectComplete().verify(WAIT);
        assertThat(journal.letters()).isEqualTo(1);
        assertThat(waiting.get(0)).doesNotExist();
    }

    @Test
    void aNewJournalOnTheSamePathCountsAndOffersWhatAnEarlierOneLeft() {
        Path path = dir.resolve("j.journal");
        Journal first = new Journal(path, Schedulers.boundedElastic());
        StepVerifier.create(first.append("a")
                        .then(first.append("b"))
                        .then(first.rotate())
                        .then(first.append("c"))
                        .then(first.close()))
                .expectComplete()
                .verify(WAIT);

        Journal second = new Journal(path, Schedulers.boundedElastic());

        StepVerifier.create(second.recover()).expectNext(3L).expectComplete().verify(WAIT);
        List<Path> waiting = second.rotate().block(WAIT);
        assertThat(waiting).hasSize(2);
        StepVerifier.create(Flux.fromIterable(waiting).concatMap(second::lines))
                .expectNext("a", "b", "c")
                .expectComplete()
                .verify(WAIT);
    }

    @Test
    void anAppendThatCannotBeWrittenSignalsTheIoError() throws IOException {
        Path blocker = Files.createFile(dir.resolve("not-a-dir"));
        Journal journal = new Journal(blocker.resolve("j.journal"), Schedulers.boundedElastic());

        StepVerifier.create(journal.append("a")).expectError(IOException.class).verify(WAIT);

        assertThat(journal.failure()).isNotNull();
        assertThat(journal.letters()).isZero();
    }
}
