package io.connectreactive.plugin;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.lang.reflect.Modifier;
import java.net.MalformedURLException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;

import org.apache.kafka.connect.connector.Connector;
import org.apache.kafka.connect.components.Versioned;
import org.apache.kafka.connect.errors.ConnectException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds plugins: on the class path through their {@code META-INF/services} manifests (KIP-898), and
 * in every location of {@code plugin.path} (each child directory or jar of a listed directory, or a
 * listed jar) with one {@link PluginClassLoader} per location. In a plugin, what is read depends on
 * {@code plugin.discovery} ({@link PluginDiscovery}): its manifests, its classes one by one, or both.
 *
 * <p>Blocking (file I/O, class loading, and each plugin's {@code version()}): run it once when the
 * worker starts, before Vert.x serves anything.
 */
public final class PluginScanner {

    private static final Logger LOG = LoggerFactory.getLogger(PluginScanner.class);
    private static final String CLASSPATH = "classpath";

    private final ClassLoader parent;
    private final PluginDiscovery discovery;

    /**
     * @param parent the worker's class loader: the class path, and the parent of every plugin loader
     * @param discovery how plugin.path plugins are found
     */
    public PluginScanner(ClassLoader parent, PluginDiscovery discovery) {
        this.parent = parent;
        this.discovery = discovery;
    }

    /** The plugins on the class path, found through service manifests. */
    public List<PluginDesc> scanClassPath() {
        List<PluginDesc> found = new ArrayList<>();
        for (PluginType type : PluginType.values()) {
            Iterator<? extends ServiceLoader.Provider<?>> providers = ServiceLoader.load(type.superType(), parent).stream().iterator();
            for (int broken = 0; broken < 1_000; ) {
                try {
                    // a manifest naming a class that is missing or broken fails here, in the iterator: skip it, go on
                    if (!providers.hasNext()) {
                        break;
                    }
                    add(found, providers.next().type(), type, parent, CLASSPATH, true);
                } catch (ServiceConfigurationError | LinkageError e) {
                    broken++;
                    LOG.warn("Skipping a {} plugin listed on the class path: {}", type.restName(), e.toString());
                }
            }
        }
        return found;
    }

    /**
     * The plugins in {@code plugin.path}. An element that does not exist or cannot be read is logged
     * and skipped, as Kafka Connect does. In the hybrid modes, plugins that no manifest lists are
     * logged ({@code hybrid_warn}) or refused ({@code hybrid_fail}).
     */
    public List<PluginDesc> scanPluginPath(List<String> pluginPath) {
        List<PluginDesc> found = new ArrayList<>();
        for (Path location : locations(pluginPath)) {
            try {
                found.addAll(scanLocation(location));
            } catch (IOException | UncheckedIOException e) {
                LOG.error("Could not read plugin {}; ignoring it: {}", location, e.toString());
            }
        }
        List<String> unlisted = found.stream().filter(d -> !d.manifested()).map(d -> d.className() + " (" + d.location() + ")")
                .distinct().toList();
        if (!unlisted.isEmpty() && discovery == PluginDiscovery.HYBRID_FAIL) {
            throw new ConnectException("One or more plugins are missing ServiceLoader manifests "
                    + "and will not work with plugin.discovery=service_load: " + unlisted
                    + ". Add manifests to them (Kafka's connect-plugin-path tool does), or set plugin.discovery=hybrid_warn.");
        }
        if (!unlisted.isEmpty() && discovery == PluginDiscovery.HYBRID_WARN) {
            LOG.warn("One or more plugins are missing ServiceLoader manifests and may not be usable with "
                    + "plugin.discovery=service_load: {}", unlisted);
        }
        return found;
    }

    /** Each child directory or jar of every listed directory, and every listed jar. */
    static Set<Path> locations(List<String> pluginPath) {
        Set<Path> out = new LinkedHashSet<>();
        if (pluginPath == null) {
            return out;
        }
        for (String element : pluginPath) {
            if (element == null || element.isBlank()) {
                continue;
            }
            Path p = Path.of(element.trim()).toAbsolutePath().normalize();
            if (isArchive(p) && Files.isRegularFile(p)) {
                out.add(p);
            } else if (Files.isDirectory(p)) {
                try (Stream<Path> children = Files.list(p)) {
                    children.filter(c -> Files.isDirectory(c) || isArchive(c)).sorted().forEach(out::add);
                } catch (IOException e) {
                    LOG.error("Could not list plugin path element {}; ignoring it: {}", p, e.toString());
                }
            } else {
                LOG.error("Plugin path element {} is neither a directory nor a jar; ignoring it", p);
            }
        }
        return out;
    }

    /** One plugin: its loader and what it provides. */
    List<PluginDesc> scanLocation(Path location) throws IOException {
        List<Path> jars = new ArrayList<>();
        List<Path> classDirs = new ArrayList<>();
        if (isArchive(location)) {
            jars.add(location);
        } else {
            try (Stream<Path> files = Files.walk(location)) {
                files.filter(f -> isArchive(f) && Files.isRegularFile(f)).sorted().forEach(jars::add);
            }
            if (containsClassFiles(location)) {
                classDirs.add(location);
            }
        }
        if (jars.isEmpty() && classDirs.isEmpty()) {
            LOG.warn("Plugin location {} has no jars or classes; ignoring it", location);
            return List.of();
        }
        List<URL> urls = new ArrayList<>();
        for (Path p : classDirs) {
            urls.add(url(p));
        }
        for (Path p : jars) {
            urls.add(url(p));
        }
        PluginClassLoader loader = new PluginClassLoader(location.toString(), urls.toArray(URL[]::new), parent);
        List<PluginDesc> found = new ArrayList<>();
        Set<String> listed = new LinkedHashSet<>();
        if (discovery.readsManifests()) {
            for (PluginType type : PluginType.values()) {
                for (URL manifest : Collections.list(loader.findResources("META-INF/services/" + type.superType().getName()))) {
                    for (String className : serviceNames(manifest)) {
                        listed.add(className);
                        addByName(found, loader, className, type, location, true);
                    }
                }
            }
        }
        if (discovery.scans()) {
            // every class, also in a plugin with some manifests: a bundled library's manifest says nothing of the plugin's own
            // classes; each class's supertypes are read from its class file, and only those that may be plugins are loaded
            for (String className : new SubtypeIndex(parent, PluginType.superTypes()).subtypes(classFiles(jars, classDirs))) {
                for (PluginType type : PluginType.values()) {
                    addByName(found, loader, className, type, location, listed.contains(className));
                }
            }
        }
        LOG.info("Loaded plugin {}: {}", location, found.stream().map(d -> d.className() + " (" + d.type().restName() + ")").toList());
        return found;
    }

    private void addByName(List<PluginDesc> found, PluginClassLoader loader, String className, PluginType type, Path location,
                           boolean manifested) {
        try {
            Class<?> c = Class.forName(className, false, loader);
            // a class of the parent (a shared API) named in the plugin's jars is not the plugin's
            if (c.getClassLoader() == loader) {
                add(found, c, type, loader, location.toString(), manifested);
            }
        } catch (ClassNotFoundException | LinkageError e) {
            LOG.debug("Skipping class {} of plugin {}: {}", className, location, e.toString());
        }
    }

    private void add(List<PluginDesc> found, Class<?> c, PluginType type, ClassLoader loader, String location, boolean manifested) {
        if (!type.matches(c) || !isConcrete(c)) {
            return;
        }
        if (found.stream().anyMatch(d -> d.pluginClass() == c && d.type() == type)) {
            return;
        }
        found.add(new PluginDesc(c, type, version(c, loader), loader, location, manifested));
    }

    private static boolean isConcrete(Class<?> c) {
        int mod = c.getModifiers();
        if (Modifier.isAbstract(mod) || Modifier.isInterface(mod) || !Modifier.isPublic(mod)) {
            return false;
        }
        try {
            return Modifier.isPublic(c.getConstructor().getModifiers());
        } catch (NoSuchMethodException e) {
            return false;
        }
    }

    /** What the plugin reports as its version; instantiates it, as Kafka Connect does. */
    static String version(Class<?> c, ClassLoader loader) {
        if (!Connector.class.isAssignableFrom(c) && !Versioned.class.isAssignableFrom(c)) {
            return PluginDesc.UNDEFINED_VERSION;
        }
        try (LoaderSwap s = LoaderSwap.to(loader)) {
            String v = ((Versioned) c.getConstructor().newInstance()).version();
            return v == null || v.isBlank() ? PluginDesc.UNDEFINED_VERSION : v;
        } catch (Throwable t) {
            LOG.debug("Could not get the version of {}: {}", c.getName(), t.toString());
            return PluginDesc.UNDEFINED_VERSION;
        }
    }

    private static List<String> serviceNames(URL manifest) {
        List<String> names = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(manifest.openStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                int hash = line.indexOf('#');
                String name = (hash >= 0 ? line.substring(0, hash) : line).trim();
                if (!name.isEmpty()) {
                    names.add(name);
                }
            }
        } catch (IOException e) {
            LOG.warn("Could not read service manifest {}: {}", manifest, e.toString());
        }
        return names;
    }

    /** Reads every class file of the plugin's jars and class directories (module-info and META-INF excepted). */
    private static List<byte[]> classFiles(List<Path> jars, List<Path> classDirs) throws IOException {
        List<byte[]> files = new ArrayList<>();
        for (Path jar : jars) {
            try (JarFile jf = new JarFile(jar.toFile())) {
                for (JarEntry e : Collections.list(jf.entries())) {
                    String n = e.getName();
                    if (n.endsWith(".class") && !n.startsWith("META-INF/") && !n.endsWith("module-info.class")) {
                        try (InputStream in = jf.getInputStream(e)) {
                            files.add(in.readAllBytes());
                        }
                    }
                }
            }
        }
        for (Path dir : classDirs) {
            try (Stream<Path> paths = Files.walk(dir)) {
                for (Path f : (Iterable<Path>) paths.filter(f -> f.toString().endsWith(".class")
                        && !f.getFileName().toString().equals("module-info.class"))::iterator) {
                    files.add(Files.readAllBytes(f));
                }
            }
        }
        return files;
    }

    private static boolean containsClassFiles(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.anyMatch(f -> f.toString().endsWith(".class"));
        }
    }

    static boolean isArchive(Path p) {
        String n = p.getFileName() == null ? "" : p.getFileName().toString().toLowerCase(Locale.ROOT);
        return n.endsWith(".jar") || n.endsWith(".zip");
    }

    private static URL url(Path p) {
        try {
            return p.toUri().toURL();
        } catch (MalformedURLException e) {
            throw new UncheckedIOException(e);
        }
    }
}
