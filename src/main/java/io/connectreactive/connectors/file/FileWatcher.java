package io.connectreactive.connectors.file;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.shareddata.LocalMap;
import io.vertx.core.shareddata.Shareable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells tailing tasks that their file changed, with one {@link WatchService} (inotify on Linux) and
 * one daemon thread, {@code cr-file-watcher}, per Vert.x instance however many files are tailed.
 *
 * <p>Each {@link FileTail} registers its file with {@link #watch}; the thread waits for events on the
 * files' directories and, for a change to a registered file (or to the directory, on an overflow),
 * runs that registration's callback on its task's context. Signals coalesce: at most one callback
 * per registration is queued on the context at a time. The thread and the watch service exist only
 * while something is registered: the last {@link Registration#cancel()} closes them.
 *
 * <p>Where the platform has no event-based watch service (the JDK falls back to a polling one that
 * notices changes only every few seconds, e.g. on macOS) or a directory cannot be watched, a
 * registration reports {@link Registration#watched()} {@code false} and the caller re-checks the
 * file on its own, faster.
 *
 * <p>One instance per Vert.x instance, kept in a local map (see {@link #of}); thread-safe. {@link #watch}
 * and {@link Registration#cancel()} block briefly (the JDK hands registrations to its own poller
 * thread): call them from a worker thread, never an event loop.
 */
final class FileWatcher implements Shareable {

    private static final Logger log = LoggerFactory.getLogger(FileWatcher.class);
    private static final String MAP_NAME = FileWatcher.class.getName();
    private static final String THREAD_NAME = "cr-file-watcher";

    /** Registrations by watched directory; guarded by {@code this}. */
    private final Map<WatchKey, Map<Path, List<Registration>>> directories = new HashMap<>();
    /** Guarded by {@code this}; {@code null} while nothing is registered. */
    private WatchService service;
    /** Guarded by {@code this}: the platform only has a polling watch service. */
    private boolean unsupported;

    private FileWatcher() {
    }

    /** The watcher shared by everything in {@code vertx}, created on first use. */
    static FileWatcher of(Vertx vertx) {
        LocalMap<String, FileWatcher> watchers = vertx.sharedData().getLocalMap(MAP_NAME);
        return watchers.computeIfAbsent("watcher", key -> new FileWatcher());
    }

    /** A registration for a caller that does not want events: never watched, cancel does nothing. */
    static Registration unwatched() {
        return new Registration(null, null, null, null);
    }

    /**
     * Watches {@code file} (which need not exist yet) and runs {@code onChange} on {@code context}
     * after it is created, modified, deleted or renamed away. Blocking; never fails: a file that cannot be watched gives a
     * registration that is not {@link Registration#watched()}.
     */
    synchronized Registration watch(Path file, Context context, Runnable onChange) {
        Path absolute = file.toAbsolutePath().normalize();
        Path directory = absolute.getParent();
        Path name = absolute.getFileName();
        Registration registration = new Registration(this, name, context, onChange);
        if (directory == null || name == null || unsupported) {
            return registration;
        }
        try {
            WatchService ws = service();
            if (ws == null) {
                return registration;
            }
            // deletions too (a rename away is reported as one): the tail then notices rotation at once
            WatchKey key = directory.register(ws, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY,
                    StandardWatchEventKinds.ENTRY_DELETE);
            directories.computeIfAbsent(key, k -> new HashMap<>())
                    .computeIfAbsent(name, n -> new ArrayList<>())
                    .add(registration);
            registration.key = key;
            registration.watched = true;
        } catch (IOException | RuntimeException e) {
            log.info("Cannot watch {} for changes ({}); re-checking it periodically instead", directory, e.toString());
            stopIfIdle();
        }
        return registration;
    }

    /** Whether the dispatch thread is running (tests). */
    synchronized boolean running() {
        return service != null;
    }

    private synchronized void cancel(Registration registration) {
        WatchKey key = registration.key;
        registration.key = null;
        registration.watched = false;
        if (key == null) {
            return;
        }
        Map<Path, List<Registration>> byName = directories.get(key);
        if (byName != null) {
            List<Registration> sameName = byName.get(registration.name);
            if (sameName != null && sameName.remove(registration) && sameName.isEmpty()) {
                byName.remove(registration.name);
            }
            if (byName.isEmpty()) {
                directories.remove(key);
                key.cancel();
            }
        }
        stopIfIdle();
    }

    private WatchService service() throws IOException {
        if (service == null) {
            WatchService ws = FileSystems.getDefault().newWatchService();
            if (ws.getClass().getName().endsWith("PollingWatchService")) {
                ws.close();
                unsupported = true;
                log.info("This platform has no event-based file watch service; tailed files are re-checked periodically");
                return null;
            }
            Thread thread = new Thread(() -> dispatch(ws), THREAD_NAME);
            thread.setDaemon(true);
            thread.start();
            service = ws;
        }
        return service;
    }

    private void stopIfIdle() {
        if (directories.isEmpty() && service != null) {
            try {
                service.close();
            } catch (IOException e) {
                log.warn("Failed to close the file watch service", e);
            }
            service = null;
        }
    }

    /** The dispatch thread's loop: ends when its watch service is closed. */
    private void dispatch(WatchService ws) {
        while (true) {
            WatchKey key;
            try {
                key = ws.take();
            } catch (ClosedWatchServiceException | InterruptedException e) {
                return;
            }
            List<Registration> changed = new ArrayList<>();
            synchronized (this) {
                List<WatchEvent<?>> events = key.pollEvents();
                Map<Path, List<Registration>> byName = directories.get(key);
                if (byName != null) {
                    collect(events, byName, changed);
                    if (!key.reset()) {
                        // the directory is gone: its registrations fall back to re-checking
                        directories.remove(key);
                        byName.values().forEach(list -> list.forEach(r -> {
                            r.key = null;
                            r.watched = false;
                            changed.add(r);
                        }));
                        stopIfIdle();
                    }
                }
            }
            changed.forEach(Registration::signal);
        }
    }

    private static void collect(List<WatchEvent<?>> events, Map<Path, List<Registration>> byName, List<Registration> changed) {
        for (WatchEvent<?> event : events) {
            if (event.kind() == StandardWatchEventKinds.OVERFLOW) {
                byName.values().forEach(changed::addAll);
            } else if (event.context() instanceof Path name) {
                List<Registration> registrations = byName.get(name);
                if (registrations != null) {
                    changed.addAll(registrations);
                }
            }
        }
    }

    /**
     * One file watched for one task. {@link #watched()} may be read on any thread;
     * {@link #cancel()} blocks briefly (call it from a worker thread).
     */
    static final class Registration {
        private final FileWatcher watcher;
        private final Path name;
        private final Context context;
        private final Runnable onChange;
        private final AtomicBoolean queued = new AtomicBoolean();
        /** Guarded by the watcher. */
        private WatchKey key;
        private volatile boolean watched;
        private volatile boolean cancelled;

        private Registration(FileWatcher watcher, Path name, Context context, Runnable onChange) {
            this.watcher = watcher;
            this.name = name;
            this.context = context;
            this.onChange = onChange;
        }

        /** Whether changes are signalled; if not, the caller must re-check the file itself. */
        boolean watched() {
            return watched;
        }

        /** Stops the signals. Blocking (briefly); idempotent. */
        void cancel() {
            cancelled = true;
            if (watcher != null) {
                watcher.cancel(this);
            }
        }

        private void signal() {
            if (!cancelled && queued.compareAndSet(false, true)) {
                context.runOnContext(v -> {
                    queued.set(false);
                    if (!cancelled) {
                        onChange.run();
                    }
                });
            }
        }
    }
}
