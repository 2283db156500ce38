package io.connectreactive.plugin;

/**
 * One discovered plugin class: what it is, its version, and the class loader calls into it run
 * under. A class implementing two plugin types (StringConverter is a Converter and a
 * HeaderConverter) has one descriptor per type.
 *
 * @param pluginClass the concrete class
 * @param type what kind of plugin it is
 * @param version what the plugin reports ({@code version()}), or {@value #UNDEFINED_VERSION}
 * @param loader the plugin's isolated loader, or the class path's loader
 * @param location the plugin directory or jar, or {@code "classpath"}
 * @param manifested whether a {@code META-INF/services} manifest lists it (KIP-898)
 */
public record PluginDesc(Class<?> pluginClass, PluginType type, String version, ClassLoader loader, String location,
                         boolean manifested) {

    /** Kafka Connect's version for plugins that do not report one. */
    public static final String UNDEFINED_VERSION = "undefined";

    /** The fully qualified class name. */
    public String className() {
        return pluginClass.getName();
    }

    /** Whether it came from {@code plugin.path} (an isolated loader) rather than the class path. */
    public boolean isolated() {
        return loader instanceof PluginClassLoader;
    }
}
