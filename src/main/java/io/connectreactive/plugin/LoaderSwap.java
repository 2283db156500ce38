package io.connectreactive.plugin;

/**
 * Sets the current thread's context class loader for the length of a {@code try} block and puts the
 * previous one back on {@link #close()}: {@code try (var s = LoaderSwap.to(loader)) { plugin.start(..); }}.
 * Calls into plugin code run inside such a block, so that a plugin's own {@code ServiceLoader} or
 * {@code Class.forName(.., contextLoader)} calls see the plugin's classes, as in Kafka Connect.
 *
 * <p>Costs nothing when the thread already has that loader (the common case for plugins on the class
 * path). Used on whatever thread calls the plugin; close it on the same thread.
 */
public final class LoaderSwap implements AutoCloseable {

    /** The swap that does nothing: the thread already had the wanted loader. */
    private static final LoaderSwap NONE = new LoaderSwap(null, null);

    private final Thread thread;
    private final ClassLoader previous;

    private LoaderSwap(Thread thread, ClassLoader previous) {
        this.thread = thread;
        this.previous = previous;
    }

    /** Makes {@code loader} the current thread's context class loader until {@link #close()}; null changes nothing. */
    public static LoaderSwap to(ClassLoader loader) {
        Thread current = Thread.currentThread();
        ClassLoader previous = current.getContextClassLoader();
        if (loader == null || loader == previous) {
            return NONE;
        }
        current.setContextClassLoader(loader);
        return new LoaderSwap(current, previous);
    }

    /** Puts the previous context class loader back. */
    @Override
    public void close() {
        if (thread != null) {
            thread.setContextClassLoader(previous);
        }
    }
}
