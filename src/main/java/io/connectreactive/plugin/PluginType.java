package io.connectreactive.plugin;

import java.util.HashSet;
import java.util.Set;

import org.apache.kafka.common.config.provider.ConfigProvider;
import org.apache.kafka.connect.sink.SinkConnector;
import org.apache.kafka.connect.source.SourceConnector;
import org.apache.kafka.connect.storage.Converter;
import org.apache.kafka.connect.storage.HeaderConverter;
import org.apache.kafka.connect.transforms.Transformation;
import org.apache.kafka.connect.transforms.predicates.Predicate;

/**
 * The kinds of plugin a worker discovers, with the interface that identifies each and the name
 * Kafka Connect's REST API gives it ({@code GET /connector-plugins}).
 */
public enum PluginType {
    SOURCE("source", SourceConnector.class),
    SINK("sink", SinkConnector.class),
    CONVERTER("converter", Converter.class),
    HEADER_CONVERTER("header_converter", HeaderConverter.class),
    TRANSFORMATION("transformation", Transformation.class),
    PREDICATE("predicate", Predicate.class),
    CONFIG_PROVIDER("configprovider", ConfigProvider.class);

    private final String restName;
    private final Class<?> superType;

    PluginType(String restName, Class<?> superType) {
        this.restName = restName;
        this.superType = superType;
    }

    /** The name in the REST API's {@code type} field. */
    public String restName() {
        return restName;
    }

    /** The class or interface a plugin of this type extends or implements. */
    public Class<?> superType() {
        return superType;
    }

    /** Whether this is a connector type (source or sink). */
    public boolean isConnector() {
        return this == SOURCE || this == SINK;
    }

    /** Every plugin type's supertype. */
    public static Set<Class<?>> superTypes() {
        Set<Class<?>> all = new HashSet<>();
        for (PluginType t : values()) {
            all.add(t.superType);
        }
        return all;
    }

    /** Whether {@code type} is a plugin of this kind (assignable; abstractness is checked elsewhere). */
    public boolean matches(Class<?> type) {
        return superType.isAssignableFrom(type);
    }
}
