package io.connectreactive.plugin;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.apache.kafka.connect.errors.ConnectException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@code plugin.discovery} (KIP-898) on real plugin directories: one plugin listing its classes in
 * manifests, one without any, and one whose bundled library (connect-runtime) has manifests but whose
 * own connector is in none.
 */
class PluginDiscoveryTest {

    @TempDir
    static Path dir;
    static String libraryPlugins;
    static String runtimePlugins;

    @BeforeAll
    static void build() {
        libraryPlugins = TestPlugins.buildLibraryVersionPlugins(dir.resolve("lib")).toString();
        runtimePlugins = TestPlugins.buildRuntimeConfigPlugins(dir.resolve("runtime")).toString();
    }

    private static Map<String, Boolean> connectors(PluginDiscovery discovery) {
        return new PluginScanner(PluginDiscoveryTest.class.getClassLoader(), discovery)
                .scanPluginPath(List.of(libraryPlugins, runtimePlugins)).stream()
                .filter(d -> d.type().isConnector())
                .collect(Collectors.toMap(PluginDesc::className, PluginDesc::manifested, (a, b) -> a));
    }

    @Test
    void scanningModesFindEveryPluginAndTellWhichHaveManifests() {
        for (PluginDiscovery mode : List.of(PluginDiscovery.HYBRID_WARN, PluginDiscovery.ONLY_SCAN)) {
            Map<String, Boolean> found = connectors(mode);
            assertThat(found).as(mode.value()).containsOnlyKeys(TestPlugins.OLD_CONNECTOR, TestPlugins.NEW_CONNECTOR,
                    TestPlugins.BUNDLING_RUNTIME_CONNECTOR, TestPlugins.PLAIN_RUNTIME_CONNECTOR);
        }
        Map<String, Boolean> hybrid = connectors(PluginDiscovery.HYBRID_WARN);
        assertThat(hybrid.get(TestPlugins.OLD_CONNECTOR)).isTrue();
        assertThat(hybrid.get(TestPlugins.NEW_CONNECTOR)).isFalse();
        // its jar directory has manifests (connect-runtime's), yet its own connector is found by scanning
        assertThat(hybrid.get(TestPlugins.BUNDLING_RUNTIME_CONNECTOR)).isFalse();
    }

    @Test
    void serviceLoadFindsOnlyWhatManifestsList() {
        assertThat(connectors(PluginDiscovery.SERVICE_LOAD)).containsOnlyKeys(TestPlugins.OLD_CONNECTOR);
    }

    @Test
    void hybridFailRefusesPluginsWithoutManifestsNamingThem() {
        assertThatThrownBy(() -> new PluginRegistry(List.of(libraryPlugins), PluginDiscovery.HYBRID_FAIL))
                .isInstanceOf(ConnectException.class)
                .hasMessageContaining("missing ServiceLoader manifests")
                .hasMessageContaining(TestPlugins.NEW_CONNECTOR)
                .hasMessageNotContaining(TestPlugins.OLD_CONNECTOR + " ");
    }

    @Test
    void pluginsListCommandPrintsEachPluginWithItsManifestState() {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        PrintStream out = System.out;
        int code;
        System.setOut(new PrintStream(buffer, true, StandardCharsets.UTF_8));
        try {
            code = new picocli.CommandLine(new io.connectreactive.cli.Main()).execute("plugins", "list", "--plugin-path", libraryPlugins);
        } finally {
            System.setOut(out);
        }
        String printed = buffer.toString(StandardCharsets.UTF_8);
        assertThat(code).isZero();
        assertThat(printed.lines().filter(l -> l.startsWith(TestPlugins.OLD_CONNECTOR))).singleElement()
                .satisfies(l -> assertThat(l).contains("source").contains("4.7.5").contains(" yes "));
        assertThat(printed.lines().filter(l -> l.startsWith(TestPlugins.NEW_CONNECTOR))).singleElement()
                .satisfies(l -> assertThat(l).contains("source").contains("4.7.6").contains(" no "));
        assertThat(printed).contains("without a manifest");
    }
}
