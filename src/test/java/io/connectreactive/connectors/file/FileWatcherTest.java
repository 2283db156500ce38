package io.connectreactive.connectors.file;

import static io.connectreactive.connectors.file.TaskHarness.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileWatcherTest {

    @TempDir
    Path dir;

    private TaskHarness harness;

    @BeforeEach
    void startVertx() {
        harness = new TaskHarness();
    }

    @AfterEach
    void closeVertx() throws Exception {
        harness.close();
    }

    @Test
    void isSharedPerVertxInstance() throws Exception {
        Vertx other = Vertx.vertx();
        try {
            assertThat(FileWatcher.of(harness.vertx)).isSameAs(FileWatcher.of(harness.vertx));
            assertThat(FileWatcher.of(other)).isNotSameAs(FileWatcher.of(harness.vertx));
        } finally {
            other.close().toCompletionStage().toCompletableFuture().get();
        }
    }

    @Test
    void signalsChangesToTheWatchedFileOnItsContext() throws Exception {
        Path file = Files.writeString(dir.resolve("watched.txt"), "a\n");
        FileWatcher watcher = FileWatcher.of(harness.vertx);
        AtomicInteger signals = new AtomicInteger();
        AtomicReference<Context> signalledOn = new AtomicReference<>();
        FileWatcher.Registration registration = watcher.watch(file, harness.context, () -> {
            signalledOn.set(Vertx.currentContext());
            signals.incrementAndGet();
        });
        assumeTrue(registration.watched(), "this platform has no event-based watch service");

        Files.writeString(file, "b\n", StandardOpenOption.APPEND);

        eventually().until(() -> signals.get() > 0);
        assertThat(signalledOn.get()).isSameAs(harness.context);
        registration.cancel();
    }

    @Test
    void signalsTheCreationOfAFileThatDidNotExist() {
        Path file = dir.resolve("later.txt");
        AtomicInteger signals = new AtomicInteger();
        FileWatcher.Registration registration = FileWatcher.of(harness.vertx).watch(file, harness.context, signals::incrementAndGet);
        assumeTrue(registration.watched(), "this platform has no event-based watch service");

        eventually().during(Duration.ofMillis(20)).until(() -> signals.get() == 0);
        writeQuietly(file);

        eventually().until(() -> signals.get() > 0);
        registration.cancel();
    }

    @Test
    void doesNotSignalOtherFilesInTheDirectory() throws Exception {
        Path file = Files.writeString(dir.resolve("watched.txt"), "a\n");
        Path neighbour = Files.writeString(dir.resolve("other.txt"), "a\n");
        AtomicInteger signals = new AtomicInteger();
        FileWatcher.Registration registration = FileWatcher.of(harness.vertx).watch(file, harness.context, signals::incrementAndGet);
        assumeTrue(registration.watched(), "this platform has no event-based watch service");

        Files.writeString(neighbour, "b\n", StandardOpenOption.APPEND);

        eventually().during(Duration.ofMillis(100)).until(() -> signals.get() == 0);
        registration.cancel();
    }

    @Test
    void runsItsThreadOnlyWhileSomethingIsWatched() throws Exception {
        FileWatcher watcher = FileWatcher.of(harness.vertx);
        long threadsBefore = watcherThreads();
        Path first = Files.writeString(dir.resolve("first.txt"), "");
        Path second = Files.writeString(dir.resolve("second.txt"), "");
        FileWatcher.Registration a = watcher.watch(first, harness.context, () -> { });
        FileWatcher.Registration b = watcher.watch(second, harness.context, () -> { });
        assumeTrue(a.watched(), "this platform has no event-based watch service");
        assertThat(watcher.running()).isTrue();

        a.cancel();
        assertThat(watcher.running()).isTrue();
        b.cancel();

        assertThat(watcher.running()).isFalse();
        eventually().until(() -> watcherThreads() == threadsBefore);
        assertThat(a.watched()).isFalse();
    }

    @Test
    void aStoppedWatcherStartsAgainForTheNextRegistration() throws Exception {
        FileWatcher watcher = FileWatcher.of(harness.vertx);
        Path file = Files.writeString(dir.resolve("file.txt"), "");
        FileWatcher.Registration first = watcher.watch(file, harness.context, () -> { });
        assumeTrue(first.watched(), "this platform has no event-based watch service");
        first.cancel();
        AtomicInteger signals = new AtomicInteger();

        FileWatcher.Registration second = watcher.watch(file, harness.context, signals::incrementAndGet);
        Files.writeString(file, "x\n", StandardOpenOption.APPEND);

        eventually().until(() -> signals.get() > 0);
        second.cancel();
    }

    private static long watcherThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals("cr-file-watcher") && t.isAlive())
                .count();
    }

    private static void writeQuietly(Path file) {
        try {
            Files.writeString(file, "x\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
