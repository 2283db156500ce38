package io.connectreactive.bench;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Every child JVM the harness started, killed by a shutdown hook if the harness ends early
 * (Ctrl-C, a failure), so a run never leaves a worker behind. Thread-safe.
 */
final class Children {

    private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(p -> {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }), "bench-children-reaper"));
    }

    private Children() {
    }

    static void register(Process p) {
        LIVE.add(p);
    }

    static void unregister(Process p) {
        LIVE.remove(p);
    }
}
