package io.connectreactive.plugin;

import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

import org.apache.kafka.connect.connector.Connector;
import org.apache.kafka.connect.sink.SinkConnector;
import org.apache.kafka.connect.source.SourceConnector;
import org.apache.kafka.connect.storage.Converter;
import org.apache.kafka.connect.storage.HeaderConverter;

/**
 * Finds plugin classes on the class path and instantiates them. A name may be written as Kafka
 * Connect allows: the full class name, the simple name, or the simple name without its
 * {@code Connector} / {@code Converter} suffix. Plugins are discovered through their
 * {@code META-INF/services} manifests (KIP-898), without instantiating them.
 *
 * <p>{@code plugin.path} isolation (one class loader per plugin) is not implemented yet: every
 * plugin shares the application class loader. Thread-safe: the class lists are built once.
 */
public final class PluginRegistry {

    /**
     * Kafka Connect classes that live in connect-runtime or connect-file (not dependencies here) and
     * the classes of ours that do the same job, so configs written for Kafka Connect work unchanged.
     */
    private static final java.util.Map<String, String> RUNTIME_ALIASES = java.util.Map.of(
            "org.apache.kafka.connect.converters.ByteArrayConverter",
            "io.connectreactive.connectors.converters.ByteArrayConverter",
            "org.apache.kafka.connect.file.FileStreamSourceConnector",
            "io.connectreactive.connectors.file.FileStreamSourceConnector",
            "org.apache.kafka.connect.file.FileStreamSinkConnector",
            "io.connectreactive.connectors.file.FileStreamSinkConnector");

    private final ClassLoader loader;
    private final List<Class<? extends Connector>> connectors = new ArrayList<>();
    private final List<Class<? extends Converter>> converters = new ArrayList<>();
    private final List<Class<? extends HeaderConverter>> headerConverters = new ArrayList<>();

    public PluginRegistry() {
        this(PluginRegistry.class.getClassLoader());
    }

    public PluginRegistry(ClassLoader loader) {
        this.loader = loader;
        discover(SourceConnector.class, connectors);
        discover(SinkConnector.class, connectors);
        discover(Converter.class, converters);
        discover(HeaderConverter.class, headerConverters);
    }

    /** The connector classes found on the class path. */
    public List<Class<? extends Connector>> connectorClasses() {
        return List.copyOf(connectors);
    }

    /**
     * The connector class named {@code name}.
     *
     * @throws PluginNotFoundException when no connector matches, or several do
     */
    public Class<? extends Connector> connectorClass(String name) {
        return resolve(name, Connector.class, connectors, "Connector");
    }

    public Class<? extends Converter> converterClass(String name) {
        return resolve(name, Converter.class, converters, "Converter");
    }

    public Class<? extends HeaderConverter> headerConverterClass(String name) {
        return resolve(name, HeaderConverter.class, headerConverters, "Converter");
    }

    /**
     * Any other plugin kind (transformations, predicates, config providers) by full class name, or
     * by simple name among those listed in service manifests.
     */
    public <T> Class<? extends T> pluginClass(String name, Class<T> kind) {
        List<Class<? extends T>> known = new ArrayList<>();
        discover(kind, known);
        return resolve(name, kind, known, kind.getSimpleName());
    }

    /** A new instance of {@code type} through its public no-argument constructor. */
    public static <T> T newInstance(Class<? extends T> type) {
        try {
            return type.getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException | LinkageError e) {
            Throwable cause = e instanceof java.lang.reflect.InvocationTargetException ite ? ite.getCause() : e;
            throw new org.apache.kafka.connect.errors.ConnectException(
                    "Could not instantiate " + type.getName() + ": " + cause, cause);
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

    private <T> Class<? extends T> resolve(String name, Class<T> kind, List<Class<? extends T>> known, String suffix) {
        String given = name == null ? "" : name.trim();
        // Kafka Connect's own class when it is on the class path, else ours that does the same job
        String wanted = RUNTIME_ALIASES.containsKey(given) && !loadable(given) ? RUNTIME_ALIASES.get(given) : given;
        if (wanted.isEmpty()) {
            throw new PluginNotFoundException("No " + kind.getSimpleName() + " class given");
        }
        try {
            Class<?> direct = Class.forName(wanted, false, loader);
            if (!kind.isAssignableFrom(direct)) {
                throw new PluginNotFoundException("Class " + wanted + " does not implement " + kind.getName());
            }
            if (java.lang.reflect.Modifier.isAbstract(direct.getModifiers())) {
                throw new PluginNotFoundException("Class " + wanted + " is abstract and cannot be created");
            }
            return direct.asSubclass(kind);
        } catch (ClassNotFoundException | LinkageError e) {
            // not a full class name: try aliases below
        }
        List<Class<? extends T>> matches = known.stream()
                .filter(c -> c.getSimpleName().equals(wanted)
                        || (c.getSimpleName().endsWith(suffix)
                            && c.getSimpleName().substring(0, c.getSimpleName().length() - suffix.length()).equals(wanted)))
                .distinct()
                .toList();
        if (matches.size() == 1) {
            return matches.get(0);
        }
        if (matches.isEmpty()) {
            throw new PluginNotFoundException("Failed to find any class that implements " + kind.getSimpleName()
                    + " and which name matches " + wanted);
        }
        throw new PluginNotFoundException("More than one " + kind.getSimpleName() + " matches alias " + wanted
                + ": " + matches.stream().map(Class::getName).toList() + ". Please use the full class name.");
    }

    private boolean loadable(String className) {
        try {
            Class.forName(className, false, loader);
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private <T> void discover(Class<T> service, List into) {
        ServiceLoader<T> sl = ServiceLoader.load(service, loader);
        sl.stream().forEach(p -> {
            try {
                Class type = p.type();
                if (!into.contains(type)) {
                    into.add(type);
                }
            } catch (java.util.ServiceConfigurationError | LinkageError e) {
                org.slf4j.LoggerFactory.getLogger(PluginRegistry.class)
                        .warn("Skipping plugin listed for {}: {}", service.getName(), e.toString());
            }
        });
    }

    /** No plugin class matches a name; a bad request when it comes from a user's config. */
    public static final class PluginNotFoundException extends org.apache.kafka.connect.errors.ConnectException {
        public PluginNotFoundException(String message) {
            super(message);
        }
    }
}
