package io.connectreactive.plugin;

import org.apache.kafka.connect.converters.ByteArrayConverter;
import io.connectreactive.connectors.file.FileStreamSinkConnector;
import io.connectreactive.connectors.file.FileStreamSourceConnector;
import io.connectreactive.plugin.PluginRegistry.PluginNotFoundException;
import org.apache.kafka.connect.connector.Connector;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.storage.SimpleHeaderConverter;
import org.apache.kafka.connect.storage.StringConverter;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PluginRegistryTest {

    private final PluginRegistry plugins = new PluginRegistry();

    @Test
    void findsConnectorByFullClassName() {
        assertThat(plugins.connectorClass("io.connectreactive.connectors.file.FileStreamSourceConnector"))
                .isEqualTo(FileStreamSourceConnector.class);
    }

    @Test
    void findsConnectorBySimpleName() {
        assertThat(plugins.connectorClass("FileStreamSinkConnector")).isEqualTo(FileStreamSinkConnector.class);
    }

    @Test
    void findsConnectorByAliasWithoutConnectorSuffix() {
        assertThat(plugins.connectorClass("FileStreamSource")).isEqualTo(FileStreamSourceConnector.class);
        assertThat(plugins.connectorClass("FileStreamSink")).isEqualTo(FileStreamSinkConnector.class);
    }

    @Test
    void surroundingWhitespaceInANameIsIgnored() {
        assertThat(plugins.connectorClass("  FileStreamSource ")).isEqualTo(FileStreamSourceConnector.class);
    }

    @Test
    void listsTheBuiltInConnectors() {
        assertThat(plugins.connectorClasses()).contains(FileStreamSourceConnector.class, FileStreamSinkConnector.class);
    }

    @Test
    void findsConvertersByFullNameAndAlias() {
        assertThat(plugins.converterClass("org.apache.kafka.connect.json.JsonConverter")).isEqualTo(JsonConverter.class);
        assertThat(plugins.converterClass("JsonConverter")).isEqualTo(JsonConverter.class);
        assertThat(plugins.converterClass("Json")).isEqualTo(JsonConverter.class);
        assertThat(plugins.converterClass("StringConverter")).isEqualTo(StringConverter.class);
        assertThat(plugins.converterClass("org.apache.kafka.connect.storage.StringConverter")).isEqualTo(StringConverter.class);
    }

    @Test
    void findsHeaderConvertersByFullNameAndAlias() {
        assertThat(plugins.headerConverterClass("org.apache.kafka.connect.storage.SimpleHeaderConverter"))
                .isEqualTo(SimpleHeaderConverter.class);
        assertThat(plugins.headerConverterClass("SimpleHeaderConverter")).isEqualTo(SimpleHeaderConverter.class);
    }

    @Test
    void kafkaConnectsByteArrayConverterFromConnectRuntimeResolvesByEveryName() {
        assertThat(plugins.converterClass("org.apache.kafka.connect.converters.ByteArrayConverter"))
                .isEqualTo(ByteArrayConverter.class);
        assertThat(plugins.headerConverterClass("org.apache.kafka.connect.converters.ByteArrayConverter"))
                .isEqualTo(ByteArrayConverter.class);
        assertThat(plugins.converterClass("ByteArrayConverter")).isEqualTo(ByteArrayConverter.class);
    }

    @Test
    void unknownConnectorNameGivesPluginNotFoundNamingIt() {
        assertThatThrownBy(() -> plugins.connectorClass("NoSuchThing"))
                .isInstanceOf(PluginNotFoundException.class)
                .hasMessageContaining("NoSuchThing")
                .hasMessageContaining("Connector");
    }

    @Test
    void unknownConverterNameGivesPluginNotFoundNamingIt() {
        assertThatThrownBy(() -> plugins.converterClass("com.example.AvroConverter"))
                .isInstanceOf(PluginNotFoundException.class)
                .hasMessageContaining("com.example.AvroConverter")
                .hasMessageContaining("Converter");
    }

    @Test
    void missingNameGivesPluginNotFound() {
        assertThatThrownBy(() -> plugins.connectorClass(null)).isInstanceOf(PluginNotFoundException.class);
        assertThatThrownBy(() -> plugins.connectorClass("  ")).isInstanceOf(PluginNotFoundException.class);
    }

    @Test
    void classThatIsNotAConnectorIsRejected() {
        assertThatThrownBy(() -> plugins.connectorClass("org.apache.kafka.connect.json.JsonConverter"))
                .isInstanceOf(PluginNotFoundException.class)
                .hasMessageContaining("org.apache.kafka.connect.json.JsonConverter")
                .hasMessageContaining("does not implement " + Connector.class.getName());
    }

    @Test
    void abstractConnectorClassIsRejected() {
        assertThatThrownBy(() -> plugins.connectorClass("org.apache.kafka.connect.source.SourceConnector"))
                .isInstanceOf(PluginNotFoundException.class)
                .hasMessageContaining("abstract");
    }

    @Test
    void typeOfNamesSourceSinkOrUnknown() {
        assertThat(PluginRegistry.typeOf(FileStreamSourceConnector.class)).isEqualTo("source");
        assertThat(PluginRegistry.typeOf(FileStreamSinkConnector.class)).isEqualTo("sink");
        assertThat(PluginRegistry.typeOf(JsonConverter.class)).isEqualTo("unknown");
        assertThat(PluginRegistry.typeOf(null)).isEqualTo("unknown");
    }

    @Test
    void newInstanceCreatesThePlugin() {
        assertThat(PluginRegistry.<Connector>newInstance(FileStreamSourceConnector.class))
                .isInstanceOf(FileStreamSourceConnector.class);
    }

    @Test
    void newInstanceFailureIsAConnectExceptionNamingTheClass() {
        assertThatThrownBy(() -> PluginRegistry.newInstance(Failing.class))
                .isInstanceOf(org.apache.kafka.connect.errors.ConnectException.class)
                .hasMessageContaining(Failing.class.getName())
                .hasMessageContaining("boom");
    }

    /** A plugin whose constructor throws. */
    public static final class Failing {
        public Failing() {
            throw new IllegalStateException("boom");
        }
    }

    @Test
    void aClassPathManifestNamingAMissingClassIsSkippedAndTheOthersAreFound(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Path services = java.nio.file.Files.createDirectories(dir.resolve("META-INF/services"));
        java.nio.file.Files.writeString(services.resolve(org.apache.kafka.connect.storage.Converter.class.getName()),
                "com.example.MissingConverter\norg.apache.kafka.connect.converters.LongConverter\n");
        try (java.net.URLClassLoader loader = new java.net.URLClassLoader(new java.net.URL[] {dir.toUri().toURL()},
                PluginRegistryTest.class.getClassLoader())) {
            PluginRegistry registry = new PluginRegistry(loader);
            assertThat(registry.converterClass("LongConverter").getName()).isEqualTo("org.apache.kafka.connect.converters.LongConverter");
            assertThat(registry.converterClass("StringConverter")).isEqualTo(org.apache.kafka.connect.storage.StringConverter.class);
        }
    }
}
