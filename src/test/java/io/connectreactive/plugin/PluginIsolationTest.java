package io.connectreactive.plugin;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.apache.kafka.connect.connector.Connector;
import org.apache.kafka.connect.source.SourceConnector;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * plugin.path without a worker: discovery (manifests and class scanning), class-loader isolation,
 * name resolution across plugins and the class path, and the loader swap.
 */
class PluginIsolationTest {

    @TempDir
    static Path work;
    private static PluginRegistry registry;

    @BeforeAll
    static void buildPlugins() {
        Path plugins = TestPlugins.buildLibraryVersionPlugins(work);
        registry = new PluginRegistry(List.of(plugins.toString(), TestPlugins.kafkaPluginPath().toString()));
    }

    @Test
    void pluginsBundlingDifferentVersionsOfALibraryEachSeeTheirOwn() {
        Connector old = registry.newPlugin(registry.connectorClass(TestPlugins.OLD_CONNECTOR));
        Connector newer = registry.newPlugin(registry.connectorClass(TestPlugins.NEW_CONNECTOR));
        assertThat(old.version()).isEqualTo("4.7.5");
        assertThat(newer.version()).isEqualTo("4.7.6");
        // and the class path keeps its own, a third version
        assertThat(CommandLine.VERSION).isEqualTo("4.7.7");
    }

    @Test
    void eachPluginHasItsOwnLoaderAndSharesTheConnectApiWithTheWorker() throws Exception {
        ClassLoader oldLoader = registry.loaderFor(registry.connectorClass(TestPlugins.OLD_CONNECTOR));
        ClassLoader newLoader = registry.loaderFor(registry.connectorClass(TestPlugins.NEW_CONNECTOR));
        assertThat(oldLoader).isInstanceOf(PluginClassLoader.class).isNotSameAs(newLoader);
        assertThat(((PluginClassLoader) oldLoader).location()).endsWith("old-lib-plugin");
        for (Class<?> shared : List.of(SourceConnector.class, org.slf4j.Logger.class, String.class,
                org.apache.kafka.clients.producer.ProducerRecord.class, io.connectreactive.api.ReactiveSourceTask.class)) {
            assertThat(Class.forName(shared.getName(), false, oldLoader)).as(shared.getName()).isSameAs(shared);
        }
        assertThat(Class.forName("picocli.CommandLine", false, oldLoader)).isNotSameAs(CommandLine.class);
    }

    @Test
    void pluginsAreFoundThroughManifestsAndByScanningClasses() {
        assertThat(registry.plugins(PluginType.SOURCE)).extracting(PluginDesc::className)
                .contains(TestPlugins.OLD_CONNECTOR, TestPlugins.NEW_CONNECTOR,
                        "org.apache.kafka.connect.file.FileStreamSourceConnector",
                        "io.connectreactive.connectors.file.FileStreamSourceConnector");
        assertThat(registry.plugins(PluginType.SINK)).extracting(PluginDesc::className)
                .contains("org.apache.kafka.connect.file.FileStreamSinkConnector");
        // the "new" plugin has no manifests: its transformation was found by scanning its jar
        assertThat(registry.plugins(PluginType.TRANSFORMATION)).extracting(PluginDesc::className)
                .contains(TestPlugins.NEW_TRANSFORMATION, "example.oldlib.NoOpTransformation");
        // the class path's bundled plugins are there too
        assertThat(registry.plugins(PluginType.CONVERTER)).extracting(PluginDesc::className)
                .contains("org.apache.kafka.connect.json.JsonConverter", "org.apache.kafka.connect.storage.StringConverter");
        assertThat(registry.plugins(PluginType.CONFIG_PROVIDER)).extracting(PluginDesc::className)
                .contains("org.apache.kafka.common.config.provider.FileConfigProvider");
        PluginDesc old = registry.plugins(PluginType.SOURCE).stream()
                .filter(d -> d.className().equals(TestPlugins.OLD_CONNECTOR)).findFirst().orElseThrow();
        assertThat(old.version()).isEqualTo("4.7.5");
        assertThat(old.isolated()).isTrue();
    }

    @Test
    void kafkasFileConnectorFromPluginPathWinsOverTheBuiltInStandIn() {
        Class<? extends Connector> c = registry.connectorClass("org.apache.kafka.connect.file.FileStreamSourceConnector");
        assertThat(c.getName()).isEqualTo("org.apache.kafka.connect.file.FileStreamSourceConnector");
        assertThat(registry.loaderFor(c)).isInstanceOf(PluginClassLoader.class);
        assertThat(registry.connectorClass("FileStreamSource")).isSameAs(c);
        assertThat(registry.connectorClass("FileStreamSinkConnector").getName())
                .isEqualTo("org.apache.kafka.connect.file.FileStreamSinkConnector");
        assertThat(registry.plugins(PluginType.SOURCE).stream()
                .filter(d -> d.pluginClass() == c).findFirst().orElseThrow().version()).isEqualTo("4.3.1");
    }

    @Test
    void withoutThePluginTheKafkaNameFallsBackToTheBuiltIn() {
        assertThat(new PluginRegistry().connectorClass("org.apache.kafka.connect.file.FileStreamSourceConnector"))
                .isEqualTo(io.connectreactive.connectors.file.FileStreamSourceConnector.class);
    }

    @Test
    void pluginClassesAreNotOnTheClassPath() {
        assertThatThrownBy(() -> Class.forName(TestPlugins.OLD_CONNECTOR)).isInstanceOf(ClassNotFoundException.class);
        assertThatThrownBy(() -> Class.forName("org.apache.kafka.connect.file.FileStreamSourceConnector"))
                .isInstanceOf(ClassNotFoundException.class);
    }

    @Test
    void sameSimpleNameInTwoPluginsIsAmbiguousButFullNamesResolve() {
        assertThatThrownBy(() -> registry.connectorClass("LibVersionSource"))
                .isInstanceOf(PluginRegistry.PluginNotFoundException.class)
                .hasMessageContaining("More than one")
                .hasMessageContaining(TestPlugins.OLD_CONNECTOR)
                .hasMessageContaining(TestPlugins.NEW_CONNECTOR);
    }

    @Test
    void swapSetsThePluginLoaderAndRestoresThePreviousOne() {
        Class<? extends Connector> c = registry.connectorClass(TestPlugins.NEW_CONNECTOR);
        ClassLoader before = Thread.currentThread().getContextClassLoader();
        try (LoaderSwap s = registry.swap(c)) {
            assertThat(Thread.currentThread().getContextClassLoader()).isSameAs(registry.loaderFor(c));
            try (LoaderSwap inner = registry.swap(String.class)) {
                assertThat(Thread.currentThread().getContextClassLoader()).isNotInstanceOf(PluginClassLoader.class);
            }
            assertThat(Thread.currentThread().getContextClassLoader()).isSameAs(registry.loaderFor(c));
        }
        assertThat(Thread.currentThread().getContextClassLoader()).isSameAs(before);
    }

    @Test
    void missingOrUnreadablePluginPathElementsAreSkipped(@TempDir Path empty) throws Exception {
        Files.writeString(empty.resolve("notes.txt"), "not a plugin");
        PluginRegistry r = new PluginRegistry(List.of(empty.resolve("missing").toString(), empty.toString(), ""));
        assertThat(r.plugins()).allMatch(d -> !d.isolated());
        assertThat(r.connectorClass("FileStreamSource")).isEqualTo(io.connectreactive.connectors.file.FileStreamSourceConnector.class);
    }

    @Test
    void aSingleJarInPluginPathIsOnePlugin() {
        Path jar = TestPlugins.kafkaPluginPath().resolve("connect-file").resolve("connect-file-4.3.1.jar");
        PluginRegistry r = new PluginRegistry(List.of(jar.toString()));
        assertThat(r.loaderFor(r.connectorClass("org.apache.kafka.connect.file.FileStreamSinkConnector")))
                .isInstanceOf(PluginClassLoader.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"java.lang.String", "javax.crypto.Cipher", "javax.net.ssl.SSLContext", "jdk.internal.Foo",
        "org.apache.kafka.connect.connector.Connector", "org.apache.kafka.clients.producer.KafkaProducer",
        "org.apache.kafka.connect.transforms.Transformation", "org.apache.kafka.connect.transforms.predicates.Predicate",
        "org.apache.kafka.common.config.provider.ConfigProvider", "org.apache.kafka.connect.storage.Converter",
        "org.slf4j.Logger", "io.connectreactive.api.ReactiveSourceTask", "org.w3c.dom.Node"})
    void sharedClassesComeFromTheWorker(String className) {
        assertThat(PluginClassLoader.shouldLoadInIsolation(className)).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"com.example.MyConnector", "picocli.CommandLine", "com.fasterxml.jackson.databind.ObjectMapper",
        "javax.ws.rsx.Foo", "javaxx.Foo", "org.apache.kafka.connect.file.FileStreamSourceConnector",
        "org.apache.kafka.connect.json.JsonConverter", "org.apache.kafka.connect.transforms.Cast$Value",
        "org.apache.kafka.connect.transforms.predicates.TopicNameMatches", "org.apache.kafka.connect.storage.StringConverter",
        "org.apache.kafka.common.config.provider.FileConfigProvider", "org.apache.kafka.connect.converters.ByteArrayConverter",
        "io.connectreactive.runtime.Worker"})
    void pluginClassesAndTheirLibrariesAreIsolated(String className) {
        assertThat(PluginClassLoader.shouldLoadInIsolation(className)).isTrue();
    }
}
