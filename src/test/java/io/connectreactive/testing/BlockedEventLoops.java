package io.connectreactive.testing;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.internal.threadchecker.BlockedThreadEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every test's Vert.x runs with a low {@code maxEventLoopExecuteTime}; an event loop held longer is
 * recorded (with the stack that held it) so the test can fail on it. 500 ms: low enough to catch a
 * blocking call (a connect, a sleep, a consumer created on the loop), high enough not to flag a GC
 * pause or CPU starvation on a loaded 2-core machine.
 */
public final class BlockedEventLoops {

    private static final Logger LOG = LoggerFactory.getLogger(BlockedEventLoops.class);
    public static final long MAX_EXECUTE_MS = 500;

    private final List<BlockedThreadEvent> events = new CopyOnWriteArrayList<>();

    private BlockedEventLoops() {
    }

    /** Vert.x options with the low limit and a 50 ms check interval. */
    public static VertxOptions options() {
        return new VertxOptions()
                .setMaxEventLoopExecuteTime(MAX_EXECUTE_MS).setMaxEventLoopExecuteTimeUnit(TimeUnit.MILLISECONDS)
                .setBlockedThreadCheckInterval(50).setBlockedThreadCheckIntervalUnit(TimeUnit.MILLISECONDS);
    }

    /** Starts recording the blocked event loops of {@code vertx}. */
    public static BlockedEventLoops watch(Vertx vertx) {
        BlockedEventLoops watcher = new BlockedEventLoops();
        ((VertxInternal) vertx).blockedThreadChecker().setThreadBlockedHandler(e -> {
            if (e.thread().getName().startsWith("vert.x-eventloop")) {
                watcher.events.add(e);
                // the checker runs while the thread is still blocked: its stack shows the culprit
                Throwable where = new Throwable("blocked for " + TimeUnit.NANOSECONDS.toMillis(e.duration()) + " ms");
                where.setStackTrace(e.thread().getStackTrace());
                LOG.warn("Event loop {} blocked", e.thread().getName(), where);
            }
        });
        return watcher;
    }

    /** The blocked event loops seen so far. */
    public List<BlockedThreadEvent> events() {
        return events;
    }
}
