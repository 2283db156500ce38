package io.connectreactive.plugin;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;

import org.apache.kafka.common.config.provider.ConfigProvider;
import org.apache.kafka.connect.runtime.isolation.PluginUtils;
import org.apache.maven.artifact.versioning.DefaultArtifactVersion;
import org.apache.maven.artifact.versioning.InvalidVersionSpecificationException;
import org.apache.maven.artifact.versioning.VersionRange;
import org.apache.kafka.connect.connector.Connector;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.sink.SinkConnector;
import org.apache.kafka.connect.source.SourceConnector;
import org.apache.kafka.connect.storage.Converter;
import org.apache.kafka.connect.storage.HeaderConverter;
import org.apache.kafka.connect.transforms.Transformation;
import org.apache.kafka.connect.transforms.predicates.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The plugins a worker can run: those on the class path and those in {@code plugin.path}, each of
 * the latter with its own isolated {@link PluginClassLoader} (see {@link PluginScanner}). Resolves
 * names as Kafka Connect allows: the full class name, the simple name, or the simple name without
 * its {@code Connector} / {@code Converter} suffix, across the class path and every plugin; a full
 * name found in a plugin wins over the class path. Every resolved class comes with the loader that
 * calls into it must run under ({@link #loaderFor}, {@link #swap}).
 *
 * <p>Built once when the worker starts (blocking: it scans and loads classes); immutable and
 * thread-safe afterwards.
 */
public final class PluginRegistry {

    private static final Logger LOG = LoggerFactory.getLogger(PluginRegistry.class);

    /**
     * Kafka Connect's file connectors (connect-file, which Kafka Connect no longer puts on its class
     * path either) and our built-in ones that do the same job, so configs written for Kafka Connect
     * work unchanged. Used only when neither the class path nor any plugin provides the Kafka class.
     */
    private static final Map<String, String> RUNTIME_ALIASES = Map.of(
            "org.apache.kafka.connect.file.FileStreamSourceConnector",
            "io.connectreactive.connectors.file.FileStreamSourceConnector",
            "org.apache.kafka.connect.file.FileStreamSinkConnector",
            "io.connectreactive.connectors.file.FileStreamSinkConnector");

    private final ClassLoader classPath;
    /** plugin.path plugins first (in path order), then the class path's. */
    private final List<PluginDesc> plugins;
    private final Map<Class<?>, ClassLoader> loaders = new IdentityHashMap<>();

    /** The class path's plugins only. */
    public PluginRegistry() {
        this(PluginRegistry.class.getClassLoader(), List.of(), PluginDiscovery.DEFAULT);
    }

    /** The plugins of {@code loader}'s class path only. */
    public PluginRegistry(ClassLoader loader) {
        this(loader, List.of(), PluginDiscovery.DEFAULT);
    }

    /** The class path's plugins and those in {@code pluginPath} (directories or jars; null for none). */
    public PluginRegistry(List<String> pluginPath) {
        this(PluginRegistry.class.getClassLoader(), pluginPath, PluginDiscovery.DEFAULT);
    }

    /** The class path's plugins and those in {@code pluginPath}, found as {@code discovery} says. */
    public PluginRegistry(List<String> pluginPath, PluginDiscovery discovery) {
        this(PluginRegistry.class.getClassLoader(), pluginPath, discovery);
    }

    /**
     * @param loader the class path's loader, parent of every plugin's loader
     * @param pluginPath Kafka Connect's {@code plugin.path}: directories of plugins, or plugin jars
     * @param discovery Kafka Connect's {@code plugin.discovery}
     * @throws org.apache.kafka.connect.errors.ConnectException with {@code hybrid_fail} when a plugin lacks manifests
     */
    public PluginRegistry(ClassLoader loader, List<String> pluginPath, PluginDiscovery discovery) {
        this.classPath = loader;
        PluginScanner scanner = new PluginScanner(loader, discovery);
        List<PluginDesc> all = new ArrayList<>(scanner.scanPluginPath(pluginPath == null ? List.of() : pluginPath));
        all.addAll(scanner.scanClassPath());
        this.plugins = List.copyOf(all);
        for (PluginDesc d : plugins) {
            loaders.putIfAbsent(d.pluginClass(), d.loader());
        }
    }

    /** Every discovered plugin, plugin.path ones first. */
    public List<PluginDesc> plugins() {
        return plugins;
    }

    /** The discovered plugins of the given types. */
    public List<PluginDesc> plugins(PluginType... types) {
        List<PluginType> wanted = Arrays.asList(types);
        return plugins.stream().filter(d -> wanted.contains(d.type())).toList();
    }

    /** The connector classes found. */
    public List<Class<? extends Connector>> connectorClasses() {
        return plugins(PluginType.SOURCE, PluginType.SINK).stream()
                .<Class<? extends Connector>>map(d -> d.pluginClass().asSubclass(Connector.class))
                .distinct()
                .toList();
    }

    /**
     * The connector class named {@code name}: of several versions, the newest.
     *
     * @throws PluginNotFoundException when no connector matches, or several do
     */
    public Class<? extends Connector> connectorClass(String name) {
        return connectorClass(name, null);
    }

    /**
     * The connector class named {@code name} in the version {@code versionSpec} asks for (KIP-891:
     * a version, or a Maven range such as {@code [1.0,2.0)}; null, blank or {@code latest} for the newest).
     *
     * @throws PluginNotFoundException when no connector matches, or none in a version the spec allows
     */
    public Class<? extends Connector> connectorClass(String name, String versionSpec) {
        return resolve(name, versionSpec, Connector.class, "Connector", PluginType.SOURCE, PluginType.SINK);
    }

    public Class<? extends Converter> converterClass(String name) {
        return converterClass(name, null);
    }

    public Class<? extends Converter> converterClass(String name, String versionSpec) {
        return resolve(name, versionSpec, Converter.class, "Converter", PluginType.CONVERTER);
    }

    public Class<? extends HeaderConverter> headerConverterClass(String name) {
        return headerConverterClass(name, null);
    }

    public Class<? extends HeaderConverter> headerConverterClass(String name, String versionSpec) {
        return resolve(name, versionSpec, HeaderConverter.class, "Converter", PluginType.HEADER_CONVERTER);
    }

    @SuppressWarnings("rawtypes")
    public Class<? extends Transformation> transformationClass(String name) {
        return transformationClass(name, null);
    }

    @SuppressWarnings("rawtypes")
    public Class<? extends Transformation> transformationClass(String name, String versionSpec) {
        return resolve(name, versionSpec, Transformation.class, "", PluginType.TRANSFORMATION);
    }

    @SuppressWarnings("rawtypes")
    public Class<? extends Predicate> predicateClass(String name) {
        return predicateClass(name, null);
    }

    @SuppressWarnings("rawtypes")
    public Class<? extends Predicate> predicateClass(String name, String versionSpec) {
        return resolve(name, versionSpec, Predicate.class, "", PluginType.PREDICATE);
    }

    public Class<? extends ConfigProvider> configProviderClass(String name) {
        return resolve(name, null, ConfigProvider.class, "ConfigProvider", PluginType.CONFIG_PROVIDER);
    }

    /**
     * Kafka Connect's reading of a {@code *.plugin.version} setting: a version (exactly that one) or a
     * Maven version range; null for none (null, blank or {@code latest}).
     *
     * @throws PluginNotFoundException when it is neither
     */
    public static VersionRange versionRange(String spec) {
        if (spec == null || spec.isBlank() || spec.trim().equalsIgnoreCase("latest")) {
            return null;
        }
        try {
            return PluginUtils.connectorVersionRequirement(spec.trim());
        } catch (InvalidVersionSpecificationException | RuntimeException e) {
            throw new PluginNotFoundException("Invalid plugin version '" + spec + "': expected a version or a version range "
                    + "such as [1.0,2.0)");
        }
    }

    /**
     * The plugin named {@code name} among connectors, converters, header converters,
     * transformations and predicates (in that order), as {@code /connector-plugins/{plugin}} names one.
     */
    public Optional<PluginDesc> find(String name) {
        return find(name, null);
    }

    /** {@link #find(String)} in the version {@code versionSpec} asks for (null for the newest). */
    public Optional<PluginDesc> find(String name, String versionSpec) {
        Map<PluginType, Function<String, Class<?>>> lookups = new LinkedHashMap<>();
        lookups.put(PluginType.SOURCE, n -> connectorClass(n, versionSpec));
        lookups.put(PluginType.CONVERTER, n -> converterClass(n, versionSpec));
        lookups.put(PluginType.HEADER_CONVERTER, n -> headerConverterClass(n, versionSpec));
        lookups.put(PluginType.TRANSFORMATION, n -> transformationClass(n, versionSpec));
        lookups.put(PluginType.PREDICATE, n -> predicateClass(n, versionSpec));
        for (var lookup : lookups.entrySet()) {
            Class<?> c;
            try {
                c = lookup.getValue().apply(name);
            } catch (VersionNotFoundException e) {
                throw e;
            } catch (PluginNotFoundException e) {
                continue;
            }
            PluginType kind = lookup.getKey();
            Optional<PluginDesc> known = plugins.stream()
                    .filter(d -> d.pluginClass() == c && (d.type() == kind || kind == PluginType.SOURCE && d.type().isConnector()))
                    .findFirst();
            PluginType type = kind == PluginType.SOURCE && SinkConnector.class.isAssignableFrom(c) ? PluginType.SINK : kind;
            return Optional.of(known.orElseGet(() -> new PluginDesc(c, type, PluginDesc.UNDEFINED_VERSION, loaderFor(c), "classpath", false)));
        }
        return Optional.empty();
    }

    /** The loader calls into {@code pluginClass} (or a class it created, such as a task) run under. */
    public ClassLoader loaderFor(Class<?> pluginClass) {
        ClassLoader known = loaders.get(pluginClass);
        if (known != null) {
            return known;
        }
        ClassLoader own = pluginClass.getClassLoader();
        return own != null ? own : classPath;
    }

    /** Swaps the current thread's context class loader to {@code pluginClass}'s until closed. */
    public LoaderSwap swap(Class<?> pluginClass) {
        return LoaderSwap.to(loaderFor(pluginClass));
    }

    /** A new instance of a plugin class, created under its own loader. */
    public <T> T newPlugin(Class<? extends T> type) {
        try (LoaderSwap s = swap(type)) {
            return newInstance(type);
        }
    }

    /** A new instance of {@code type} through its public no-argument constructor. */
    public static <T> T newInstance(Class<? extends T> type) {
        try {
            return type.getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException | LinkageError e) {
            Throwable cause = e instanceof InvocationTargetException ite ? ite.getCause() : e;
            throw new ConnectException("Could not instantiate " + type.getName() + ": " + cause, cause);
        }
    }

    /** A plugin's version, or null when it throws or does not tell (Kafka Connect's "undefined"). */
    public static String reportedVersion(Supplier<String> version) {
        try {
            String v = version.get();
            return v == null || v.isBlank() || PluginDesc.UNDEFINED_VERSION.equals(v) ? null : v;
        } catch (RuntimeException | LinkageError e) {
            return null;
        }
    }

    /** "source", "sink" or "unknown", as Kafka Connect's REST API names connector types. */
    public static String typeOf(Class<?> connectorClass) {
        if (connectorClass != null && SourceConnector.class.isAssignableFrom(connectorClass)) {
            return "source";
        }
        if (connectorClass != null && SinkConnector.class.isAssignableFrom(connectorClass)) {
            return "sink";
        }
        return "unknown";
    }

    private <T> Class<? extends T> resolve(String name, String versionSpec, Class<T> kind, String suffix, PluginType... types) {
        String given = name == null ? "" : name.trim();
        if (given.isEmpty()) {
            throw new PluginNotFoundException("No " + kind.getSimpleName() + " class given");
        }
        VersionRange range = versionRange(versionSpec);
        List<PluginDesc> candidates = plugins(types);
        // 1. a full class name that a plugin (or the class path's manifests) provides
        if (candidates.stream().anyMatch(d -> d.className().equals(given))) {
            return pickVersion(given, range, candidates).asSubclass(kind);
        }
        // 2. any class on the class path
        try {
            Class<?> direct = Class.forName(given, false, classPath);
            if (!kind.isAssignableFrom(direct)) {
                throw new PluginNotFoundException("Class " + given + " does not implement " + kind.getName());
            }
            if (Modifier.isAbstract(direct.getModifiers())) {
                throw new PluginNotFoundException("Class " + given + " is abstract and cannot be created");
            }
            if (range != null) {
                String version = PluginScanner.version(direct, classPath);
                if (!range.containsVersion(new DefaultArtifactVersion(version))) {
                    throw new VersionNotFoundException(given, range, List.of(version));
                }
            }
            return direct.asSubclass(kind);
        } catch (ClassNotFoundException | LinkageError e) {
            // not a loadable full class name: aliases below
        }
        // 3. Kafka Connect's class that nothing here provides: ours that does the same job
        String replacement = RUNTIME_ALIASES.get(given);
        if (replacement != null) {
            return resolve(replacement, versionSpec, kind, suffix, types);
        }
        // 4. simple name, or simple name without the suffix
        Set<String> matches = new LinkedHashSet<>();
        for (PluginDesc d : candidates) {
            String simple = d.pluginClass().getSimpleName();
            boolean alias = simple.equals(given) || (!suffix.isEmpty() && simple.endsWith(suffix)
                    && simple.substring(0, simple.length() - suffix.length()).equals(given));
            if (alias) {
                matches.add(d.className());
            }
        }
        // Kafka Connect's own class, when a plugin provides it, wins over ours that stands in for it
        RUNTIME_ALIASES.forEach((kafkaClass, ours) -> {
            if (matches.contains(kafkaClass)) {
                matches.remove(ours);
            }
        });
        if (matches.size() == 1) {
            return pickVersion(matches.iterator().next(), range, candidates).asSubclass(kind);
        }
        if (matches.isEmpty()) {
            throw new PluginNotFoundException("Failed to find any class that implements " + kind.getSimpleName()
                    + " and which name matches " + given);
        }
        throw new PluginNotFoundException("More than one " + kind.getSimpleName() + " matches alias " + given
                + ": " + List.copyOf(matches) + ". Please use the full class name.");
    }

    /**
     * Of the plugins providing {@code className} (one per plugin location and version), the newest
     * one {@code range} allows; the newest of all without a range. Versions compare as Maven's do
     * (1.10 is newer than 1.9).
     */
    private Class<?> pickVersion(String className, VersionRange range, List<PluginDesc> candidates) {
        List<PluginDesc> versions = candidates.stream().filter(d -> d.className().equals(className)).toList();
        Optional<PluginDesc> pick = versions.stream()
                .filter(d -> range == null || range.containsVersion(new DefaultArtifactVersion(d.version())))
                .max(Comparator.comparing(d -> new DefaultArtifactVersion(d.version())));
        if (pick.isEmpty()) {
            throw new VersionNotFoundException(className, range, versions.stream().map(PluginDesc::version).distinct().toList());
        }
        if (versions.stream().map(PluginDesc::pluginClass).distinct().count() > 1) {
            LOG.debug("{} is provided by several plugins; using version {} from {}", className, pick.get().version(),
                    pick.get().location());
        }
        return pick.get().pluginClass();
    }

    /** The plugin exists, but in no version the config asks for (Kafka Connect's wording). */
    public static final class VersionNotFoundException extends PluginNotFoundException {
        VersionNotFoundException(String className, VersionRange range, List<String> available) {
            super("Plugin " + className + " not found that matches the version range " + range
                    + ", available versions: " + available);
        }
    }

    /** No plugin class matches a name; a bad request when it comes from a user's config. */
    public static class PluginNotFoundException extends ConnectException {
        public PluginNotFoundException(String message) {
            super(message);
        }
    }
}
