package io.connectreactive.runtime.exec;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What kind of thread carries a classic task's or a connector's blocking calls ({@link TaskThread}):
 * a platform thread of its own, or a virtual thread of its own (Java 21+), which gives its carrier
 * back while the plugin sleeps or waits, so a thousand tasks blocked in {@code poll()} need no
 * thousand OS threads. {@code auto} takes virtual threads, beyond the first
 * {@value #AUTO_PLATFORM_THREADS} threads ({@link #AUTO}), where a JVM no longer pins a carrier in
 * {@code synchronized} code (Java 24+, JEP 491), which plugins use freely, and platform threads
 * elsewhere. Immutable.
 */
public enum ThreadKind {
    PLATFORM,
    VIRTUAL,
    /**
     * {@code auto} on Java 24+: a platform thread while fewer than {@value #AUTO_PLATFORM_THREADS} of
     * this kind's platform threads run in the JVM, a virtual thread beyond. A virtual thread pays for
     * every blocking file-system call of its plugin (the JDK adds a carrier while it blocks): measured on
     * Kafka's one-record-per-poll {@code SchemaSourceTask}, which prints each record, and on MirrorMaker
     * 2, about a tenth more CPU per record than on a thread of its own. So a worker with a few tasks
     * runs them on threads of their own, and one with a thousand holds them on a handful of carriers.
     */
    AUTO;

    /** The Java release from which {@code auto} means virtual threads (beyond the first few). */
    public static final int AUTO_VIRTUAL_FROM = 24;

    /** Platform threads {@code auto} gives before it gives virtual ones. */
    public static final int AUTO_PLATFORM_THREADS = 8;

    /** Platform threads of {@link #AUTO} running now. */
    private static final AtomicInteger AUTO_PLATFORM_RUNNING = new AtomicInteger();

    /** {@code Thread.ofVirtual().name(name).unstarted(runnable)}, or null on a JVM without virtual threads. */
    private static final MethodHandle OF_VIRTUAL;
    private static final MethodHandle NAME;
    private static final MethodHandle UNSTARTED;

    static {
        MethodHandle ofVirtual = null;
        MethodHandle name = null;
        MethodHandle unstarted = null;
        if (Runtime.version().feature() >= 21) {
            try {
                Class<?> builder = Class.forName("java.lang.Thread$Builder");
                MethodHandles.Lookup lookup = MethodHandles.publicLookup();
                Class<?> ofVirtualType = Class.forName("java.lang.Thread$Builder$OfVirtual");
                ofVirtual = lookup.findStatic(Thread.class, "ofVirtual", MethodType.methodType(ofVirtualType));
                name = lookup.findVirtual(builder, "name", MethodType.methodType(builder, String.class));
                unstarted = lookup.findVirtual(builder, "unstarted", MethodType.methodType(Thread.class, Runnable.class));
            } catch (ReflectiveOperationException e) {
                ofVirtual = null;
            }
        }
        OF_VIRTUAL = ofVirtual;
        NAME = name;
        UNSTARTED = unstarted;
    }

    /** Whether this JVM has virtual threads. */
    public static boolean virtualAvailable() {
        return OF_VIRTUAL != null;
    }

    /**
     * The kind a setting of {@code runtime.task.threads} means on this JVM: {@code platform},
     * {@code virtual} (an error on a JVM without them) or {@code auto}.
     */
    public static ThreadKind of(String setting) {
        switch (setting.trim().toLowerCase(Locale.ROOT)) {
            case "platform":
                return PLATFORM;
            case "virtual":
                if (!virtualAvailable()) {
                    throw new IllegalArgumentException("runtime.task.threads=virtual needs Java 21 or later; this JVM is Java "
                            + Runtime.version().feature());
                }
                return VIRTUAL;
            case "auto":
                return virtualAvailable() && Runtime.version().feature() >= AUTO_VIRTUAL_FROM ? AUTO : PLATFORM;
            default:
                throw new IllegalArgumentException("runtime.task.threads must be auto, platform or virtual, not " + setting);
        }
    }

    /** A new, unstarted thread of this kind (daemon: a plugin that never returns does not hold up the JVM's exit). */
    Thread newThread(String name, Runnable r) {
        if (this == AUTO) {
            if (AUTO_PLATFORM_RUNNING.incrementAndGet() <= AUTO_PLATFORM_THREADS) {
                return platform(name, () -> {
                    try {
                        r.run();
                    } finally {
                        AUTO_PLATFORM_RUNNING.decrementAndGet();
                    }
                });
            }
            AUTO_PLATFORM_RUNNING.decrementAndGet();
            return VIRTUAL.newThread(name, r);
        }
        if (this == PLATFORM) {
            return platform(name, r);
        }
        try {
            Object builder = NAME.invoke(OF_VIRTUAL.invoke(), name);
            return (Thread) UNSTARTED.invoke(builder, r);
        } catch (Throwable e) {
            throw new IllegalStateException("cannot create a virtual thread", e);
        }
    }

    private static Thread platform(String name, Runnable r) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }
}
