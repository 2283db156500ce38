package io.connectreactive.storage.file;

import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectInputFilter;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.connectreactive.storage.OffsetCodec;
import io.connectreactive.storage.OffsetStore;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import org.apache.kafka.connect.errors.ConnectException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Source offsets in a local file, in Kafka Connect standalone's format (a Java-serialized
 * {@code HashMap<byte[], byte[]>} of {@link OffsetCodec} keys and values), so an offsets file of
 * {@code connect-standalone} can be taken over.
 *
 * <p>Each write goes to a temporary file that is fsynced and then atomically renamed over the old
 * one, and the directory is then fsynced so that the rename itself survives a power cut (where the
 * platform allows it): a crash leaves the old or the new file, never a torn one. Writes from many tasks are
 * coalesced: while one file write is under way, later writes wait and then go out together, and a
 * file write starts at most every {@value #MIN_WRITE_INTERVAL_MS} ms (each rewrites every partition's
 * offset: with a thousand tasks committing every second, writing as often as the disk allowed cost a
 * fifth of a core in a profile). File I/O runs on Vert.x's worker pool, never on an event loop. Thread-safe.
 */
public final class FileOffsetStore implements OffsetStore {

    private static final Logger LOG = LoggerFactory.getLogger(FileOffsetStore.class);
    /** The least time from the start of one file write to the start of the next. */
    static final long MIN_WRITE_INTERVAL_MS = 100;

    private final Vertx vertx;
    private final Path file;
    private final OffsetCodec codec = new OffsetCodec();
    /** The stored keys and values, as in the file. */
    private final Map<ByteBuffer, ByteBuffer> data = new HashMap<>();
    /** Canonical key (partition fields sorted) → the key as stored, for order-independent lookups. */
    private final Map<ByteBuffer, ByteBuffer> index = new HashMap<>();
    private List<Promise<Void>> waiting = new ArrayList<>();
    /** A file write is under way (perhaps still waiting for {@link #MIN_WRITE_INTERVAL_MS} to pass since the last). */
    private boolean writing;
    /** When the last file write started ({@link System#nanoTime()}); under the monitor. */
    private long lastWriteStart = System.nanoTime() - TimeUnit.MILLISECONDS.toNanos(MIN_WRITE_INTERVAL_MS);
    /** Files written so far (for tests). */
    private volatile int fileWrites;
    /** Set (on a worker thread, one save at a time) once a directory fsync failed: logged once. */
    private volatile boolean directorySyncUnsupported;

    public FileOffsetStore(Vertx vertx, Path file) {
        this.vertx = vertx;
        this.file = file.toAbsolutePath();
    }

    @Override
    public Future<Void> start() {
        return vertx.executeBlocking(() -> {
            Map<ByteBuffer, ByteBuffer> loaded;
            try {
                loaded = load();
            } catch (IOException | ClassNotFoundException | ClassCastException e) {
                throw new ConnectException("Could not read offsets file " + file
                        + " (expected Kafka Connect's standalone offsets format): " + e, e);
            }
            synchronized (this) {
                data.putAll(loaded);
                loaded.keySet().forEach(k -> {
                    ByteBuffer canonical = k == null ? null : codec.canonicalKey(k);
                    if (canonical != null) {
                        index.put(canonical, k);
                    }
                });
            }
            LOG.info("Offsets loaded from {} ({} partitions)", file, loaded.size());
            return null;
        });
    }

    @Override
    public synchronized Map<String, Object> offset(String connector, Map<String, ?> partition) {
        ByteBuffer stored = index.get(codec.canonicalKey(connector, partition));
        return stored == null ? null : codec.decodeValue(data.get(stored));
    }

    @Override
    public synchronized Map<Map<String, Object>, Map<String, Object>> offsets(String connector) {
        Map<Map<String, Object>, Map<String, Object>> out = new HashMap<>();
        data.forEach((k, v) -> {
            OffsetCodec.Key key = codec.decodeKey(k);
            if (key != null && key.connector().equals(connector)) {
                out.put(key.partition(), codec.decodeValue(v));
            }
        });
        return out;
    }

    @Override
    public Future<Void> write(String connector, Map<Map<String, ?>, Map<String, ?>> offsets) {
        Promise<Void> promise = Promise.promise();
        boolean startNow;
        synchronized (this) {
            offsets.forEach((partition, offset) -> {
                ByteBuffer canonical = codec.canonicalKey(connector, partition);
                ByteBuffer stored = index.get(canonical);
                if (offset == null) {
                    if (stored != null) {
                        data.remove(stored);
                        index.remove(canonical);
                    }
                } else {
                    // keep the key as first stored (e.g. by Kafka Connect), so the file stays readable by it
                    ByteBuffer key = stored != null ? stored : codec.key(connector, partition);
                    data.put(key, codec.value(offset));
                    index.put(canonical, key);
                }
            });
            waiting.add(promise);
            startNow = !writing;
            writing = true;
        }
        if (startNow) {
            writeOut();
        }
        return promise.future();
    }

    /**
     * Writes the whole map for everyone waiting, then again if more writes arrived meanwhile. On a
     * worker thread, the write first waits until {@link #MIN_WRITE_INTERVAL_MS} passed since the last
     * one started (not on a timer: a timer set on a task's context is cancelled when that task is
     * undeployed, and the write with it), then takes what is waiting at that moment.
     */
    private void writeOut() {
        Future<Written> write = vertx.executeBlocking(() -> {
            long waitMs;
            synchronized (this) {
                waitMs = MIN_WRITE_INTERVAL_MS - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - lastWriteStart);
            }
            if (waitMs > 0) {
                try {
                    Thread.sleep(waitMs);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt(); // Vert.x is closing: write at once
                }
            }
            List<Promise<Void>> batch;
            Map<ByteBuffer, ByteBuffer> snapshot;
            synchronized (this) {
                batch = waiting;
                waiting = new ArrayList<>();
                snapshot = new HashMap<>(data);
                lastWriteStart = System.nanoTime();
            }
            try {
                save(snapshot);
                return new Written(batch, null);
            } catch (IOException | RuntimeException e) {
                return new Written(batch, e);
            }
        }, false);
        write.onComplete(ar -> {
            Written w = ar.succeeded() ? ar.result() : unwritten(ar.cause()); // the job fails only when it cannot run
            if (w.error != null) {
                LOG.error("Could not write offsets to {}: {}", file, w.error.toString());
            }
            w.batch.forEach(p -> {
                if (w.error == null) {
                    p.complete();
                } else {
                    p.fail(w.error);
                }
            });
            boolean again;
            synchronized (this) {
                again = !waiting.isEmpty();
                writing = again;
            }
            if (again) {
                writeOut();
            }
        });
    }

    /** The writes waiting now, failed with {@code cause} (the write job could not run: Vert.x is closing). */
    private synchronized Written unwritten(Throwable cause) {
        Written w = new Written(waiting, cause instanceof Exception e ? e : new IOException(cause));
        waiting = new ArrayList<>();
        return w;
    }

    /** One file write: the writes it carried, and why it failed (null when it did not). */
    private record Written(List<Promise<Void>> batch, Exception error) {
    }

    @Override
    public Future<Void> stop() {
        Promise<Void> done = Promise.promise();
        synchronized (this) {
            // one block: a write finishing between the check and the add would leave done waiting forever
            if (!writing) {
                return Future.succeededFuture();
            }
            waiting.add(done);
        }
        return done.future();
    }

    private Map<ByteBuffer, ByteBuffer> load() throws IOException, ClassNotFoundException {
        Map<ByteBuffer, ByteBuffer> out = new HashMap<>();
        if (!Files.exists(file)) {
            return out;
        }
        try (InputStream in = Files.newInputStream(file); ObjectInputStream ois = new ObjectInputStream(in)) {
            ois.setObjectInputFilter(info -> {
                Class<?> c = info.serialClass();
                // HashMap.readObject checks its table size against the filter as Map.Entry[]
                if (c == null || c == HashMap.class || c == byte[].class || c == Map.Entry[].class) {
                    return ObjectInputFilter.Status.ALLOWED;
                }
                return ObjectInputFilter.Status.REJECTED;
            });
            Object obj = ois.readObject();
            if (!(obj instanceof HashMap<?, ?> raw)) {
                throw new IOException("Expected a HashMap in offsets file " + file + ", found " + obj.getClass().getName());
            }
            raw.forEach((k, v) -> out.put(k == null ? null : ByteBuffer.wrap((byte[]) k), v == null ? null : ByteBuffer.wrap((byte[]) v)));
        }
        return out;
    }

    private void save(Map<ByteBuffer, ByteBuffer> snapshot) throws IOException {
        HashMap<byte[], byte[]> raw = new HashMap<>();
        snapshot.forEach((k, v) -> raw.put(array(k), array(v)));
        Files.createDirectories(file.getParent());
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING);
             OutputStream out = Channels.newOutputStream(ch);
             ObjectOutputStream oos = new ObjectOutputStream(out)) {
            oos.writeObject(raw);
            oos.flush();
            ch.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        syncDirectory(file.getParent());
        fileWrites++; // one save at a time
    }

    /** How many times the file was written. */
    int fileWrites() {
        return fileWrites;
    }

    /**
     * Forces the directory entry of the rename to disk: without it the rename may be lost on a power
     * cut even though the file's data was fsynced. Works on Linux; where a directory cannot be opened
     * or forced (Windows, some file systems) the rename is left to the operating system, with one
     * line in the log.
     */
    private void syncDirectory(Path directory) {
        IOException failure = forceDirectory(directory);
        if (failure != null && !directorySyncUnsupported) {
            directorySyncUnsupported = true;
            LOG.info("Cannot fsync directory {} after writing offsets ({}); relying on the file system to keep the rename",
                    directory, failure.toString());
        }
    }

    /**
     * Fsyncs {@code directory} (opened read-only, as POSIX allows); returns {@code null} when done,
     * or why it could not be done. Never throws. Called on a worker thread.
     */
    static IOException forceDirectory(Path directory) {
        try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ)) {
            dir.force(true);
            return null;
        } catch (IOException e) {
            return e;
        } catch (UnsupportedOperationException | SecurityException e) {
            return new IOException(e.toString(), e);
        }
    }

    private static byte[] array(ByteBuffer b) {
        if (b == null) {
            return null;
        }
        ByteBuffer d = b.duplicate();
        byte[] out = new byte[d.remaining()];
        d.get(out);
        return out;
    }
}
