package io.connectreactive.runtime.exec;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * What kind of thread carries a classic task's or a connector's blocking calls ({@link TaskThread}):
 * a platform thread of its own, or a virtual thread of its own (Java 21+), which gives its carrier
 * back while the plugin sleeps or waits, so a thousand tasks blocked in {@code poll()} need no
 * thousand OS threads. {@code auto} takes virtual threads where a JVM no longer pins a carrier in
 * {@code synchronized} code (Java 24+, JEP 491), which plugins use freely, and platform threads
 * elsewhere. Immutable.
 */
public enum ThreadKind {
    PLATFORM,
    VIRTUAL;

    /** The Java release from which {@code auto} means virtual threads. */
    public static final int AUTO_VIRTUAL_FROM = 24;

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
        switch (setting.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "platform":
                return PLATFORM;
            case "virtual":
                if (!virtualAvailable()) {
                    throw new IllegalArgumentException("runtime.task.threads=virtual needs Java 21 or later; this JVM is Java "
                            + Runtime.version().feature());
                }
                return VIRTUAL;
            case "auto":
                return virtualAvailable() && Runtime.version().feature() >= AUTO_VIRTUAL_FROM ? VIRTUAL : PLATFORM;
            default:
                throw new IllegalArgumentException("runtime.task.threads must be auto, platform or virtual, not " + setting);
        }
    }

    /** A new, unstarted thread of this kind (daemon: a plugin that never returns does not hold up the JVM's exit). */
    Thread newThread(String name, Runnable r) {
        if (this == PLATFORM) {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        }
        try {
            Object builder = NAME.invoke(OF_VIRTUAL.invoke(), name);
            return (Thread) UNSTARTED.invoke(builder, r);
        } catch (Throwable e) {
            throw new IllegalStateException("cannot create a virtual thread", e);
        }
    }
}
