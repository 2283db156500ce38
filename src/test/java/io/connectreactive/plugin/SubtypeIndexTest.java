package io.connectreactive.plugin;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.List;

import io.connectreactive.e2e.ClassicCounterSource;
import io.connectreactive.testing.TestConnectors;
import org.apache.kafka.connect.source.SourceConnector;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Plugin scanning keeps, from class files alone, the classes whose supertypes lead to a plugin type:
 * through the plugin's own classes, through the parent loader's, or to a plugin type's name when the
 * plugin bundles connect-api itself; other classes are never loaded.
 */
class SubtypeIndexTest {

    @Test
    void aConnectorWhoseBaseClassIsInThePluginIsFoundAndOtherClassesAreNot() throws IOException {
        try (URLClassLoader connectApiOnly = new URLClassLoader(new URL[]{location(SourceConnector.class)},
                ClassLoader.getPlatformClassLoader())) {
            List<String> found = new SubtypeIndex(connectApiOnly, PluginType.superTypes())
                    .subtypes(List.of(bytes(ClassicCounterSource.class), bytes(TestConnectors.Source.class),
                            bytes(SubtypeIndexTest.class), bytes(ClassicCounterSource.CounterTask.class)));
            // TestConnectors.Source is abstract: found here, left out later by the scanner's concreteness check
            assertThat(found).containsExactly(ClassicCounterSource.class.getName(), TestConnectors.Source.class.getName());
        }
    }

    @Test
    void aPluginThatBundlesConnectApiStillExtendsThePluginTypesByName() throws IOException {
        try (URLClassLoader nothing = new URLClassLoader(new URL[0], ClassLoader.getPlatformClassLoader())) {
            List<String> found = new SubtypeIndex(nothing, PluginType.superTypes())
                    .subtypes(List.of(bytes(ClassicCounterSource.class), bytes(TestConnectors.Source.class)));
            assertThat(found).containsExactly(ClassicCounterSource.class.getName(), TestConnectors.Source.class.getName());
        }
    }

    @Test
    void aClassWhoseSuperclassNobodyHasIsNotAPlugin() throws IOException {
        try (URLClassLoader connectApiOnly = new URLClassLoader(new URL[]{location(SourceConnector.class)},
                ClassLoader.getPlatformClassLoader())) {
            // the base class is neither in the plugin nor visible to the parent: the class could not be loaded either
            assertThat(new SubtypeIndex(connectApiOnly, PluginType.superTypes()).subtypes(List.of(bytes(ClassicCounterSource.class))))
                    .isEmpty();
        }
    }

    private static URL location(Class<?> c) {
        return c.getProtectionDomain().getCodeSource().getLocation();
    }

    private static byte[] bytes(Class<?> c) throws IOException {
        try (InputStream in = c.getResourceAsStream("/" + c.getName().replace('.', '/') + ".class")) {
            return in.readAllBytes();
        }
    }
}
