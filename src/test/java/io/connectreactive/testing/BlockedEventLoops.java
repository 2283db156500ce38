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
                // the checker runs while the thread is still blocked: its stack shows the culprit
                StackTraceElement[] stack = e.thread().getStackTrace();
                if (idleInSelector(stack)) {
                    // the loop already waits for I/O again: the checker itself ran late (CPU starvation on a loaded
                    // machine); a real block of over 500 ms is seen by an earlier check (every 50 ms) with its culprit
                    LOG.info("Event loop {} reported {} ms late, already idle: not counted", e.thread().getName(),
                            TimeUnit.NANOSECONDS.toMillis(e.duration()));
                    return;
                }
                watcher.events.add(e);
                Throwable where = new Throwable("blocked for " + TimeUnit.NANOSECONDS.toMillis(e.duration()) + " ms");
                where.setStackTrace(stack);
                LOG.warn("Event loop {} blocked", e.thread().getName(), where);
            }
        });
        return watcher;
    }

    /** Whether the event loop's stack shows it waiting in its selector, not running a handler. */
    static boolean idleInSelector(StackTraceElement[] stack) {
        for (StackTraceElement frame : stack) {
            String type = frame.getClassName();
            if (type.equals("io.netty.channel.nio.NioIoHandler")) {
                return frame.getMethodName().equals("select");
            }
            if (!type.startsWith("sun.nio.ch.") && !type.startsWith("java.nio.")
                    && !type.equals("io.netty.channel.nio.SelectedSelectionKeySetSelector")) {
                return false;
            }
        }
        return false;
    }

    /** The blocked event loops seen so far. */
    public List<BlockedThreadEvent> events() {
        return events;
    }
}
