package io.connectreactive.plugin;

import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The class loader of one plugin (one child of a {@code plugin.path} directory, or one jar there).
 * Child-first: a class is looked up in the plugin's own jars before the parent, so two plugins may
 * bundle different versions of the same library. The classes both sides must share come from the
 * parent only ({@link #shouldLoadInIsolation}): the JDK, the Connect API, kafka-clients, SLF4J and
 * connect-reactive's own {@code api} package.
 *
 * <p>Thread-safe (parallel capable, one lock per class name).
 */
public final class PluginClassLoader extends URLClassLoader {

    static {
        ClassLoader.registerAsParallelCapable();
    }

    /**
     * Classes every plugin shares with the worker. Kafka Connect's rule: the JDK (java, the javax
     * packages of Java SE and EE, the org.w3c/org.xml/org.ietf/org.omg packages), everything under
     * org.apache.kafka and org.slf4j; plus our own native task API.
     */
    private static final Pattern SHARED = Pattern.compile("^(?:"
            + "java|jdk|sun|com\\.sun"
            + "|javax\\.(?:accessibility|activation|activity|annotation|batch|crypto|decorator|ejb|el|enterprise"
            + "|faces|imageio|inject|interceptor|jms|json|jws|lang\\.model|mail|management|naming|net|persistence"
            + "|print|resource|rmi|script|security|servlet|sound|sql|swing|tools|transaction|validation"
            + "|websocket|ws\\.rs|xml)"
            + "|org\\.ietf\\.jgss|org\\.omg|org\\.w3c\\.dom|org\\.xml\\.sax"
            + "|org\\.apache\\.kafka|org\\.slf4j"
            + "|io\\.connectreactive\\.api"
            + ")\\..*$");

    /**
     * Exceptions to {@link #SHARED}: Kafka's own plugin implementations (bundled transforms, JSON and
     * other converters, file connectors, MirrorMaker, config providers, override policies) are loaded
     * from a plugin when it bundles them, but the interfaces that identify plugins never are.
     */
    private static final Pattern PLUGIN_IMPLEMENTATIONS = Pattern.compile("^org\\.apache\\.kafka\\.(?:connect\\.(?:"
            + "transforms\\.(?!Transformation$|predicates\\.Predicate$).*"
            + "|json\\..*|file\\..*|mirror\\..*|mirror-client\\..*|converters\\..*"
            + "|storage\\.StringConverter|storage\\.SimpleHeaderConverter"
            + "|rest\\.basic\\.auth\\.extension\\.BasicAuthSecurityRestExtension"
            + "|connector\\.policy\\.(?!ConnectorClientConfig(?:OverridePolicy|Request(?:\\$ClientType)?)$).*"
            + ")|common\\.config\\.provider\\.(?!ConfigProvider$).*)$");

    private final String location;

    /**
     * @param location the plugin directory or jar, for logs and the REST API
     * @param urls the plugin's jars (and class directories)
     * @param parent the worker's class loader
     */
    public PluginClassLoader(String location, URL[] urls, ClassLoader parent) {
        super("plugin:" + location, urls, parent);
        this.location = location;
    }

    /** The plugin directory or jar this loader reads. */
    public String location() {
        return location;
    }

    /**
     * Whether a class is looked up in the plugin before the parent: true unless it is one of the
     * classes every plugin must share with the worker.
     */
    public static boolean shouldLoadInIsolation(String className) {
        return !SHARED.matcher(className).matches() || PLUGIN_IMPLEMENTATIONS.matcher(className).matches();
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
        synchronized (getClassLoadingLock(name)) {
            Class<?> loaded = findLoadedClass(name);
            if (loaded == null && shouldLoadInIsolation(name)) {
                try {
                    loaded = findClass(name);
                } catch (ClassNotFoundException e) {
                    // not in the plugin: the parent's below
                }
            }
            if (loaded == null) {
                // parent first, then the plugin's own jars, as Kafka Connect's loader does: a shared class
                // the worker lacks (connect-runtime's, which MirrorMaker 2 uses) comes from the plugin
                loaded = super.loadClass(name, false);
            }
            if (resolve) {
                resolveClass(loaded);
            }
            return loaded;
        }
    }

    /** The plugin's own resource first, then the parent's. */
    @Override
    public URL getResource(String name) {
        URL own = findResource(name);
        return own != null ? own : getParent().getResource(name);
    }

    /** The plugin's own resources first, then the parent's. */
    @Override
    public Enumeration<URL> getResources(String name) throws IOException {
        List<URL> all = new ArrayList<>(Collections.list(findResources(name)));
        all.addAll(Collections.list(getParent().getResources(name)));
        return Collections.enumeration(all);
    }

    @Override
    public String toString() {
        return "PluginClassLoader{" + location + "}";
    }
}
