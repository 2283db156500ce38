package io.connectreactive.storage.file;

import io.connectreactive.testing.BlockedEventLoops;

import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VerticleBase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

class FileOffsetStoreTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final Map<String, ?> FILE_A = Map.of("filename", "a.txt");
    private static final Map<String, ?> FILE_B = Map.of("filename", "b.txt");

    private static Vertx vertx;

    @TempDir
    Path dir;

    private static BlockedEventLoops blocked;

    @BeforeAll
    static void startVertx() {
        vertx = Vertx.vertx(BlockedEventLoops.options());
        blocked = BlockedEventLoops.watch(vertx);
    }

    @AfterAll
    static void closeVertx() {
        vertx.close().await();
        assertThat(blocked.events()).as("file I/O must stay off the event loops").isEmpty();
    }

    private Path file() {
        return dir.resolve("connect.offsets");
    }

    private FileOffsetStore started() {
        FileOffsetStore store = new FileOffsetStore(vertx, file());
        await(store.start());
        return store;
    }

    private static <T> T await(Future<T> future) {
        return assertThat(future.toCompletionStage()).succeedsWithin(TIMEOUT).actual();
    }

    private static Map<Map<String, ?>, Map<String, ?>> offsets(Map<String, ?> partition, Map<String, ?> offset) {
        Map<Map<String, ?>, Map<String, ?>> m = new HashMap<>();
        m.put(partition, offset);
        return m;
    }

    /** Writes an offsets file as Kafka Connect's FileOffsetBackingStore does. */
    private void writeAsKafkaConnect(Map<String, String> entries) throws IOException {
        HashMap<byte[], byte[]> raw = new HashMap<>();
        entries.forEach((k, v) -> raw.put(k.getBytes(StandardCharsets.UTF_8), v == null ? null : v.getBytes(StandardCharsets.UTF_8)));
        try (OutputStream out = Files.newOutputStream(file()); ObjectOutputStream oos = new ObjectOutputStream(out)) {
            oos.writeObject(raw);
        }
    }

    /** Reads the offsets file as Kafka Connect's FileOffsetBackingStore does, as UTF-8 strings. */
    @SuppressWarnings("unchecked")
    private Map<String, String> readAsKafkaConnect() throws Exception {
        try (InputStream in = Files.newInputStream(file()); ObjectInputStream ois = new ObjectInputStream(in)) {
            Object obj = ois.readObject();
            assertThat(obj).isInstanceOf(HashMap.class);
            Map<String, String> out = new HashMap<>();
            ((HashMap<byte[], byte[]>) obj).forEach((k, v) ->
                    out.put(new String(k, StandardCharsets.UTF_8), v == null ? null : new String(v, StandardCharsets.UTF_8)));
            return out;
        }
    }

    @Test
    void readsAnOffsetFileWrittenByKafkaConnect() throws IOException {
        writeAsKafkaConnect(Map.of("[\"my-conn\",{\"filename\":\"a.txt\"}]", "{\"position\":42}"));

        FileOffsetStore store = started();

        assertThat(store.offset("my-conn", FILE_A)).containsExactly(Map.entry("position", 42L));
        assertThat(store.offset("my-conn", FILE_B)).isNull();
        assertThat(store.offset("other-conn", FILE_A)).isNull();
    }

    @Test
    void writesAFileKafkaConnectCanRead() throws Exception {
        FileOffsetStore store = started();

        await(store.write("my-conn", offsets(FILE_A, Map.of("position", 42))));

        assertThat(readAsKafkaConnect())
                .containsExactly(Map.entry("[\"my-conn\",{\"filename\":\"a.txt\"}]", "{\"position\":42}"));
    }

    @Test
    void findsAPartitionWhateverTheOrderOfItsFields() {
        Map<String, Object> written = new java.util.LinkedHashMap<>();
        written.put("table", "orders");
        written.put("db", "shop");
        Map<String, Object> asked = new java.util.LinkedHashMap<>();
        asked.put("db", "shop");
        asked.put("table", "orders");
        writeAsKafkaConnectUnchecked("[\"my-conn\",{\"table\":\"orders\",\"db\":\"shop\"}]", "{\"id\":5}");
        FileOffsetStore store = started();

        assertThat(store.offset("my-conn", asked)).containsExactly(Map.entry("id", 5L));
        await(store.write("my-conn", offsets(asked, Map.of("id", 6))));
        assertThat(store.offset("my-conn", written)).containsExactly(Map.entry("id", 6L));
        assertThat(store.offsets("my-conn")).hasSize(1);
    }

    private void writeAsKafkaConnectUnchecked(String key, String value) {
        try {
            writeAsKafkaConnect(Map.of(key, value));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void startsEmptyWhenTheFileDoesNotExist() {
        FileOffsetStore store = started();

        assertThat(store.offsets("my-conn")).isEmpty();
        assertThat(file()).doesNotExist();
    }

    @Test
    void writesSurviveANewStoreOnTheSameFile() {
        FileOffsetStore first = started();
        await(first.write("my-conn", offsets(FILE_A, Map.of("position", 7))));
        await(first.write("my-conn", offsets(FILE_B, Map.of("position", 9))));
        await(first.write("my-conn", offsets(FILE_A, Map.of("position", 8))));
        await(first.stop());

        FileOffsetStore second = started();

        assertThat(second.offset("my-conn", FILE_A)).containsExactly(Map.entry("position", 8L));
        assertThat(second.offset("my-conn", FILE_B)).containsExactly(Map.entry("position", 9L));
    }

    /**
     * The rename of each write is followed by an fsync of the offsets file's directory. That a rename
     * survives a power cut cannot be tested here; this checks that the directory can be forced on
     * this platform (Linux), that a failure to do so is reported rather than thrown, and that writes
     * that include it still reach the file.
     */
    @Test
    void theDirectoryIsFsyncedAfterTheRenameAndWritesStillLand() {
        assertThat(FileOffsetStore.forceDirectory(dir)).as("fsync of a directory on Linux").isNull();
        assertThat(FileOffsetStore.forceDirectory(dir.resolve("missing"))).isInstanceOf(IOException.class);

        FileOffsetStore store = started();
        await(store.write("my-conn", offsets(FILE_A, Map.of("position", 5))));
        await(store.stop());

        assertThat(started().offset("my-conn", FILE_A)).containsExactly(Map.entry("position", 5L));
    }

    @Test
    void writeCreatesMissingParentDirectories() {
        Path nested = dir.resolve("data/sub/connect.offsets");
        FileOffsetStore store = new FileOffsetStore(vertx, nested);
        await(store.start());

        await(store.write("my-conn", offsets(FILE_A, Map.of("position", 1))));

        assertThat(nested).isRegularFile();
    }

    @Test
    void nullOffsetRemovesThePartition() {
        FileOffsetStore store = started();
        await(store.write("my-conn", offsets(FILE_A, Map.of("position", 1))));
        await(store.write("my-conn", offsets(FILE_B, Map.of("position", 2))));

        await(store.write("my-conn", offsets(FILE_A, null)));

        assertThat(store.offset("my-conn", FILE_A)).isNull();
        FileOffsetStore reopened = started();
        assertThat(reopened.offset("my-conn", FILE_A)).isNull();
        assertThat(reopened.offsets("my-conn")).containsOnlyKeys(Map.of("filename", "b.txt"));
    }

    @Test
    void offsetsListsOnlyThatConnectorsPartitions() {
        FileOffsetStore store = started();
        await(store.write("conn-1", offsets(FILE_A, Map.of("position", 1))));
        await(store.write("conn-1", offsets(FILE_B, Map.of("position", 2))));
        await(store.write("conn-2", offsets(FILE_A, Map.of("position", 3))));

        assertThat(store.offsets("conn-1")).containsOnly(
                Map.entry(Map.of("filename", "a.txt"), Map.of("position", 1L)),
                Map.entry(Map.of("filename", "b.txt"), Map.of("position", 2L)));
        assertThat(store.offsets("conn-2")).containsOnly(
                Map.entry(Map.of("filename", "a.txt"), Map.of("position", 3L)));
        assertThat(store.offsets("conn-3")).isEmpty();
    }

    @Test
    void keysThatAreNotKafkaConnectOffsetKeysAreIgnoredAndKept() throws Exception {
        Map<String, String> entries = new HashMap<>();
        entries.put("[\"my-conn\",{\"filename\":\"a.txt\"}]", "{\"position\":42}");
        entries.put("not json at all", "{\"position\":1}");
        entries.put("{\"a\":1}", "{\"position\":2}");
        writeAsKafkaConnect(entries);
        FileOffsetStore store = started();

        assertThat(store.offsets("my-conn")).containsOnlyKeys(Map.of("filename", "a.txt"));
        await(store.write("my-conn", offsets(FILE_B, Map.of("position", 5))));

        assertThat(readAsKafkaConnect()).containsKeys("not json at all", "{\"a\":1}")
                .containsEntry("[\"my-conn\",{\"filename\":\"b.txt\"}]", "{\"position\":5}");
    }

    @Test
    void concurrentWritesFromSeveralContextsAllCompleteAndAllReachTheFile() throws Exception {
        FileOffsetStore store = started();
        int contexts = 8;
        int writesEach = 25;
        List<Future<Void>> all = new ArrayList<>();
        for (int c = 0; c < contexts; c++) {
            Context context = vertx.getOrCreateContext();
            String connector = "conn-" + c;
            Promise<Void> done = Promise.promise();
            context.runOnContext(v -> {
                List<Future<Void>> writes = new ArrayList<>();
                for (int i = 0; i < writesEach; i++) {
                    writes.add(store.write(connector, offsets(Map.of("n", i), Map.of("position", i))));
                }
                Future.all(writes).<Void>mapEmpty().onComplete(done);
            });
            all.add(done.future());
        }

        await(Future.all(all));
        await(store.stop());

        Map<String, String> onDisk = readAsKafkaConnect();
        assertThat(onDisk).hasSize(contexts * writesEach);
        FileOffsetStore reopened = started();
        for (int c = 0; c < contexts; c++) {
            assertThat(reopened.offsets("conn-" + c)).hasSize(writesEach);
            assertThat(reopened.offset("conn-" + c, Map.of("n", 3))).containsExactly(Map.entry("position", 3L));
        }
        assertThat(dir.resolve("connect.offsets.tmp")).doesNotExist();
    }

    /**
     * Tasks committing all the time (a write every 5 ms for a second) do not rewrite the file as often
     * as the disk allows: at most one file write starts per MIN_WRITE_INTERVAL_MS, and every write
     * still completes soon after it was asked for, with its offset in the file.
     */
    @Test
    void writesInQuickSuccessionShareFileWritesSpacedApart() throws Exception {
        FileOffsetStore store = started();
        int writes = 200;
        List<Future<Void>> all = new ArrayList<>();
        List<Long> waitedMs = new CopyOnWriteArrayList<>();
        Promise<Void> issued = Promise.promise();
        long t0 = System.nanoTime();
        vertx.getOrCreateContext().runOnContext(v -> vertx.setPeriodic(5, id -> {
            int i = all.size();
            long asked = System.nanoTime();
            all.add(store.write("busy", offsets(Map.of("n", i % 10), Map.of("position", i)))
                    .onSuccess(x -> waitedMs.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - asked))));
            if (all.size() == writes) {
                vertx.cancelTimer(id);
                issued.complete();
            }
        }));
        await(issued.future());
        await(Future.all(new ArrayList<>(all)));
        long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        await(store.stop());

        assertThat(store.fileWrites()).as("file writes in %d ms", elapsedMs)
                .isBetween(2, (int) (elapsedMs / FileOffsetStore.MIN_WRITE_INTERVAL_MS) + 2);
        assertThat(waitedMs).hasSize(writes).allMatch(ms -> ms < 2_000);
        FileOffsetStore reopened = started();
        for (int n = 0; n < 10; n++) {
            assertThat(reopened.offset("busy", Map.of("n", n))).containsExactly(Map.entry("position", (long) (writes - 10 + n)));
        }
    }

    /**
     * A write asked for by a task whose verticle is undeployed while the write waits its turn (as a
     * task's last commit when it stops) still reaches the file, and so do the writes after it.
     */
    @Test
    void aWriteAskedForByAVerticleThatIsUndeployedStillLands() {
        FileOffsetStore store = started();
        await(store.write("gone", offsets(FILE_A, Map.of("position", 1L))));
        List<Future<Void>> writes = new CopyOnWriteArrayList<>();
        String id = vertx.deployVerticle(new VerticleBase() {
            @Override
            public Future<?> start() {
                // within MIN_WRITE_INTERVAL_MS of the last file write: this one must wait for its turn
                writes.add(store.write("gone", offsets(FILE_A, Map.of("position", 2L))));
                return Future.succeededFuture();
            }
        }).await();
        vertx.undeploy(id).await();
        await(Future.all(new ArrayList<>(writes)));
        await(store.write("gone", offsets(FILE_B, Map.of("position", 3L))));
        FileOffsetStore reopened = started();
        assertThat(reopened.offset("gone", FILE_A)).containsExactly(Map.entry("position", 2L));
        assertThat(reopened.offset("gone", FILE_B)).containsExactly(Map.entry("position", 3L));
    }

    @Test
    void noTemporaryFileRemainsAfterWritesAndTheFileParses() throws Exception {
        FileOffsetStore store = started();
        List<Future<Void>> writes = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            writes.add(store.write("my-conn", offsets(FILE_A, Map.of("position", i))));
        }
        await(Future.all(writes));

        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("connect.offsets");
        }
        assertThat(readAsKafkaConnect()).containsExactly(
                Map.entry("[\"my-conn\",{\"filename\":\"a.txt\"}]", "{\"position\":19}"));
    }

    @Test
    void leftoverTemporaryFileOfACrashedWriteIsIgnoredAndReplaced() throws Exception {
        writeAsKafkaConnect(Map.of("[\"my-conn\",{\"filename\":\"a.txt\"}]", "{\"position\":42}"));
        Path tmp = dir.resolve("connect.offsets.tmp");
        Files.write(tmp, new byte[] {(byte) 0xAC, (byte) 0xED, 0, 5, 1, 2});

        FileOffsetStore store = started();
        assertThat(store.offset("my-conn", FILE_A)).containsExactly(Map.entry("position", 42L));

        await(store.write("my-conn", offsets(FILE_A, Map.of("position", 43))));
        assertThat(tmp).doesNotExist();
        assertThat(started().offset("my-conn", FILE_A)).containsExactly(Map.entry("position", 43L));
    }

    @Test
    void stopCompletesOnceEveryPendingWriteIsOnDisk() {
        FileOffsetStore store = started();
        for (int i = 0; i <= 50; i++) {
            store.write("my-conn", offsets(FILE_A, Map.of("position", i)));
        }

        await(store.stop());

        assertThat(started().offset("my-conn", FILE_A)).containsExactly(Map.entry("position", 50L));
    }

    @Test
    void stopWithoutWritesCompletesAtOnce() {
        assertThat(started().stop().succeeded()).isTrue();
    }

    @Test
    void corruptFileFailsStartNamingTheFile() throws IOException {
        Files.writeString(file(), "this is not a serialized map");
        FileOffsetStore store = new FileOffsetStore(vertx, file());

        Throwable cause = failure(store.start());

        assertThat(cause).isInstanceOf(org.apache.kafka.connect.errors.ConnectException.class);
        assertThat(cause.getMessage()).contains("Could not read offsets file", file().toString());
    }

    @Test
    void fileHoldingAnotherSerializedTypeFailsStartNamingTheFile() throws IOException {
        try (OutputStream out = Files.newOutputStream(file()); ObjectOutputStream oos = new ObjectOutputStream(out)) {
            oos.writeObject(new java.util.ArrayList<>(List.of("x")));
        }
        FileOffsetStore store = new FileOffsetStore(vertx, file());

        assertThat(failure(store.start()).getMessage()).contains(file().toString());
    }

    private static Throwable failure(Future<?> future) {
        try {
            future.toCompletionStage().toCompletableFuture().get(TIMEOUT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            return e.getCause();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        throw new AssertionError("expected a failure");
    }
}
