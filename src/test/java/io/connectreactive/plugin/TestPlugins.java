package io.connectreactive.plugin;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

/**
 * Plugins for the plugin.path tests, built for real: Apache Kafka's own connect-file jar (copied by
 * the build into {@code target/test-plugins}, not on the test class path), and two plugins compiled
 * here with {@link JavaCompiler} that bundle different versions of the same library (picocli 4.7.5
 * and 4.7.6, copied by the build into {@code target/test-libs}; the class path has a third).
 *
 * <p>Each compiled plugin holds a source connector whose task emits one record,
 * {@code "defining=<v1>;context=<v2>"}: the picocli version its own class loader sees, and the one
 * the thread's context class loader sees. Its {@code version()} is the first. The "old" plugin lists
 * its classes in service manifests; the "new" one has none, so it must be found by class scanning,
 * and also holds a transformation.
 */
public final class TestPlugins {

    /** The connector of the plugin bundling picocli 4.7.5 (with service manifests). */
    public static final String OLD_CONNECTOR = "example.oldlib.LibVersionSourceConnector";
    /** The connector of the plugin bundling picocli 4.7.6 (no manifests: found by scanning). */
    public static final String NEW_CONNECTOR = "example.newlib.LibVersionSourceConnector";
    /** A transformation in the "new" plugin. */
    public static final String NEW_TRANSFORMATION = "example.newlib.NoOpTransformation";

    private TestPlugins() {
    }

    /** The directory holding Kafka's connect-file plugin ({@code connect-file/connect-file-4.3.1.jar}). */
    public static Path kafkaPluginPath() {
        Path dir = Path.of(System.getProperty("test.plugins.dir", "target/test-plugins"));
        if (!Files.isRegularFile(dir.resolve("connect-file").resolve("connect-file-4.3.1.jar"))) {
            throw new IllegalStateException("connect-file not found in " + dir.toAbsolutePath()
                    + ": run the build's generate-test-resources phase (mvn test does)");
        }
        return dir;
    }

    /**
     * Builds the two library-version plugins in {@code workDir/plugins}: {@code old-lib-plugin/} and
     * {@code new-lib-plugin/}, each with its connector jar and its picocli jar (sources and classes
     * go to {@code workDir/build}).
     *
     * @return {@code workDir/plugins}, a plugin.path element
     */
    public static Path buildLibraryVersionPlugins(Path workDir) {
        Path libs = Path.of(System.getProperty("test.libs.dir", "target/test-libs"));
        Path root = workDir.resolve("plugins");
        Path build = workDir.resolve("build");
        build(root.resolve("old-lib-plugin"), build, "example.oldlib", true, libs.resolve("picocli-old").resolve("picocli-4.7.5.jar"));
        build(root.resolve("new-lib-plugin"), build, "example.newlib", false, libs.resolve("picocli-new").resolve("picocli-4.7.6.jar"));
        return root;
    }

    private static void build(Path pluginDir, Path build, String pkg, boolean manifests, Path library) {
        Map<String, String> sources = new LinkedHashMap<>();
        sources.put("LibVersionSourceConnector", connectorSource(pkg));
        sources.put("LibVersionSourceTask", taskSource(pkg));
        sources.put("NoOpTransformation", transformationSource(pkg));
        Map<String, String> entries = manifests
                ? Map.of("META-INF/services/org.apache.kafka.connect.source.SourceConnector", pkg + ".LibVersionSourceConnector\n",
                        "META-INF/services/org.apache.kafka.connect.transforms.Transformation", pkg + ".NoOpTransformation\n")
                : Map.of();
        compileJar(pluginDir, build, pkg, sources, entries, library);
    }

    /** The connector of the plugin built against connect-runtime's config classes that bundles connect-runtime. */
    public static final String BUNDLING_RUNTIME_CONNECTOR = "example.bundled.RuntimeConfigSinkConnector";
    /** The same connector in a plugin that relies on the worker's connect-runtime. */
    public static final String PLAIN_RUNTIME_CONNECTOR = "example.plain.RuntimeConfigSinkConnector";

    /**
     * Builds two plugins whose sink connector uses connect-runtime's {@code ConnectorConfig} and
     * {@code SinkConnectorConfig} as third-party plugins do: {@code bundled/} ships its own copy of
     * the connect-runtime jar, {@code plain/} does not.
     *
     * @return {@code workDir/plugins}, a plugin.path element
     */
    public static Path buildRuntimeConfigPlugins(Path workDir) {
        Path root = workDir.resolve("plugins");
        Path runtimeJar;
        try {
            runtimeJar = Path.of(org.apache.kafka.connect.runtime.ConnectorConfig.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
        compileJar(root.resolve("bundled"), workDir.resolve("build"), "example.bundled",
                Map.of("RuntimeConfigSinkConnector", runtimeConfigConnectorSource("example.bundled")), Map.of(), runtimeJar);
        compileJar(root.resolve("plain"), workDir.resolve("build"), "example.plain",
                Map.of("RuntimeConfigSinkConnector", runtimeConfigConnectorSource("example.plain")), Map.of(), null);
        return root;
    }

    /** The connector, converter and transformation every versioned plugin holds, under the same names. */
    public static final String VERSIONED_CONNECTOR = "example.versioned.VersionedSourceConnector";
    public static final String VERSIONED_CONVERTER = "example.versioned.VersionedConverter";
    public static final String VERSIONED_TRANSFORMATION = "example.versioned.VersionedTransformation";

    /**
     * Builds one plugin per version in {@code workDir/plugins/versioned-<v>}, each holding the same
     * classes reporting {@code <v>} as their version: a source connector (its config has a key
     * {@code only.in.<v>}; its task emits one record {@code connector=<v>} to {@code topic}), a
     * converter writing {@code v<v>:} before the value, and a transformation appending {@code |t<v>}.
     *
     * @return {@code workDir/plugins}, a plugin.path element
     */
    public static Path buildVersionedPlugins(Path workDir, String... versions) {
        Path root = workDir.resolve("plugins");
        for (String v : versions) {
            Map<String, String> sources = new LinkedHashMap<>();
            sources.put("VersionedSourceConnector", versionedConnectorSource(v));
            sources.put("VersionedConverter", """
                    package example.versioned;

                    import java.nio.charset.StandardCharsets;
                    import org.apache.kafka.connect.components.Versioned;
                    import org.apache.kafka.connect.data.Schema;
                    import org.apache.kafka.connect.storage.StringConverter;

                    public class VersionedConverter extends StringConverter implements Versioned {
                        @Override public String version() { return "%1$s"; }
                        @Override public byte[] fromConnectData(String topic, Schema schema, Object value) {
                            return ("v%1$s:" + value).getBytes(StandardCharsets.UTF_8);
                        }
                    }
                    """.formatted(v));
            sources.put("VersionedTransformation", """
                    package example.versioned;

                    import java.util.Map;
                    import org.apache.kafka.common.config.ConfigDef;
                    import org.apache.kafka.connect.components.Versioned;
                    import org.apache.kafka.connect.connector.ConnectRecord;
                    import org.apache.kafka.connect.transforms.Transformation;

                    public class VersionedTransformation<R extends ConnectRecord<R>> implements Transformation<R>, Versioned {
                        @Override public String version() { return "%1$s"; }
                        @Override public R apply(R r) {
                            return r.newRecord(r.topic(), r.kafkaPartition(), r.keySchema(), r.key(), r.valueSchema(),
                                    r.value() + "|t%1$s", r.timestamp());
                        }
                        @Override public ConfigDef config() { return new ConfigDef(); }
                        @Override public void close() { }
                        @Override public void configure(Map<String, ?> configs) { }
                    }
                    """.formatted(v));
            compileJar(root.resolve("versioned-" + v), workDir.resolve("build-" + v), "example.versioned", sources, Map.of(), null);
        }
        return root;
    }

    private static String versionedConnectorSource(String v) {
        return """
                package example.versioned;

                import java.util.List;
                import java.util.Map;
                import java.util.concurrent.CountDownLatch;
                import java.util.concurrent.TimeUnit;
                import org.apache.kafka.common.config.ConfigDef;
                import org.apache.kafka.connect.connector.Task;
                import org.apache.kafka.connect.data.Schema;
                import org.apache.kafka.connect.source.SourceConnector;
                import org.apache.kafka.connect.source.SourceRecord;
                import org.apache.kafka.connect.source.SourceTask;

                public class VersionedSourceConnector extends SourceConnector {
                    private Map<String, String> props;

                    @Override public String version() { return "%1$s"; }
                    @Override public void start(Map<String, String> props) { this.props = props; }
                    @Override public Class<? extends Task> taskClass() { return VersionedTask.class; }
                    @Override public List<Map<String, String>> taskConfigs(int maxTasks) { return List.of(props); }
                    @Override public void stop() { }
                    @Override public ConfigDef config() {
                        return new ConfigDef().define("only.in.%1$s", ConfigDef.Type.STRING, "", ConfigDef.Importance.LOW, "A key of this version.");
                    }

                    public static class VersionedTask extends SourceTask {
                        private final CountDownLatch stopped = new CountDownLatch(1);
                        private String topic;
                        private boolean sent;

                        @Override public String version() { return "%1$s"; }
                        @Override public void start(Map<String, String> props) { topic = props.get("topic"); }
                        @Override public List<SourceRecord> poll() throws InterruptedException {
                            if (sent) {
                                stopped.await(100, TimeUnit.MILLISECONDS);
                                return null;
                            }
                            sent = true;
                            return List.of(new SourceRecord(Map.of("p", 1), Map.of("o", 1), topic, Schema.STRING_SCHEMA, "connector=%1$s"));
                        }
                        @Override public void stop() { stopped.countDown(); }
                    }
                }
                """.formatted(v);
    }

    private static void compileJar(Path pluginDir, Path build, String pkg, Map<String, String> code, Map<String, String> entries,
                                   Path library) {
        try {
            Path src = Files.createDirectories(build.resolve(pkg).resolve("src"));
            Path classes = Files.createDirectories(build.resolve(pkg).resolve("classes"));
            List<Path> sources = new ArrayList<>();
            for (Map.Entry<String, String> c : code.entrySet()) {
                sources.add(write(src, pkg, c.getKey(), c.getValue()));
            }
            JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
            List<String> args = new ArrayList<>(List.of("-d", classes.toString(), "--release", "17",
                    "-classpath", System.getProperty("java.class.path")));
            sources.forEach(s -> args.add(s.toString()));
            int rc = javac.run(null, null, null, args.toArray(String[]::new));
            if (rc != 0) {
                throw new IllegalStateException("javac failed for " + pkg);
            }
            Files.createDirectories(pluginDir);
            try (JarOutputStream jar = new JarOutputStream(Files.newOutputStream(pluginDir.resolve(pkg + ".jar")));
                 Stream<Path> files = Files.walk(classes)) {
                for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                    jar.putNextEntry(new JarEntry(classes.relativize(f).toString().replace('\\', '/')));
                    Files.copy(f, jar);
                    jar.closeEntry();
                }
                for (Map.Entry<String, String> e : new java.util.TreeMap<>(entries).entrySet()) {
                    entry(jar, e.getKey(), e.getValue());
                }
            }
            if (library != null) {
                Files.copy(library, pluginDir.resolve(library.getFileName()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String runtimeConfigConnectorSource(String pkg) {
        return """
                package %s;

                import java.util.Collection;
                import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
                import java.util.Map;
                import org.apache.kafka.common.config.AbstractConfig;
                import org.apache.kafka.common.config.ConfigDef;
                import org.apache.kafka.connect.connector.Task;
                import org.apache.kafka.connect.runtime.ConnectorConfig;
                import org.apache.kafka.connect.runtime.SinkConnectorConfig;
                import org.apache.kafka.connect.sink.SinkConnector;
                import org.apache.kafka.connect.sink.SinkRecord;
                import org.apache.kafka.connect.sink.SinkTask;

                public class RuntimeConfigSinkConnector extends SinkConnector {
                    /** Its own keys, grouped after connect-runtime's common ones, as many plugins declare them. */
                    static final ConfigDef CONFIG = new ConfigDef()
                            .define("greeting", ConfigDef.Type.STRING, "hello", ConfigDef.Importance.HIGH, "A greeting.",
                                    "Common", 99, ConfigDef.Width.SHORT, "Greeting");
                    private Map<String, String> props;

                    @Override public String version() { return "1.0"; }
                    @Override public void start(Map<String, String> props) {
                        new AbstractConfig(CONFIG, props);
                        if (props.get(SinkConnectorConfig.TOPICS_CONFIG) == null || !ConnectorConfig.configDef().names().contains("tasks.max")) {
                            throw new IllegalStateException("connect-runtime's config classes are not what they should be");
                        }
                        this.props = props;
                    }
                    @Override public Class<? extends Task> taskClass() { return NoOpTask.class; }
                    @Override public List<Map<String, String>> taskConfigs(int maxTasks) { return List.of(props); }
                    @Override public void stop() { }
                    @Override public ConfigDef config() { return CONFIG; }

                    public static class NoOpTask extends SinkTask {
                        @Override public String version() { return "1.0"; }
                        @Override public void start(Map<String, String> props) { }
                        @Override public void put(Collection<SinkRecord> records) { }
                        @Override public void stop() { }
                    }
                }
                """.formatted(pkg);
    }

    private static void entry(JarOutputStream jar, String name, String text) throws IOException {
        jar.putNextEntry(new JarEntry(name));
        OutputStream out = jar;
        out.write(text.getBytes(StandardCharsets.UTF_8));
        jar.closeEntry();
    }

    private static Path write(Path src, String pkg, String name, String code) throws IOException {
        Path dir = Files.createDirectories(src.resolve(pkg.replace('.', '/')));
        return Files.writeString(dir.resolve(name + ".java"), code);
    }

    private static String connectorSource(String pkg) {
        return """
                package %s;

                import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
                import java.util.Map;
                import org.apache.kafka.common.config.ConfigDef;
                import org.apache.kafka.connect.connector.Task;
                import org.apache.kafka.connect.source.SourceConnector;

                public class LibVersionSourceConnector extends SourceConnector {
                    private Map<String, String> props;

                    /** The picocli version {@code loader} sees (read at run time: the constant is not inlined). */
                    public static String seen(ClassLoader loader) {
                        try {
                            return (String) Class.forName("picocli.CommandLine", true, loader).getField("VERSION").get(null);
                        } catch (ReflectiveOperationException | RuntimeException e) {
                            return "none";
                        }
                    }

                    @Override public String version() { return seen(LibVersionSourceConnector.class.getClassLoader()); }
                    @Override public void start(Map<String, String> props) { this.props = props; }
                    @Override public Class<? extends Task> taskClass() { return LibVersionSourceTask.class; }
                    @Override public List<Map<String, String>> taskConfigs(int maxTasks) { return List.of(props); }
                    @Override public void stop() { }
                    @Override public ConfigDef config() {
                        return new ConfigDef().define("topic", ConfigDef.Type.STRING, ConfigDef.Importance.HIGH, "Where the record goes.");
                    }
                }
                """.formatted(pkg);
    }

    private static String taskSource(String pkg) {
        return """
                package %s;

                import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
                import java.util.Map;
                import java.util.concurrent.CountDownLatch;
                import java.util.concurrent.TimeUnit;
                import org.apache.kafka.connect.data.Schema;
                import org.apache.kafka.connect.source.SourceRecord;
                import org.apache.kafka.connect.source.SourceTask;

                public class LibVersionSourceTask extends SourceTask {
                    private final CountDownLatch stopped = new CountDownLatch(1);
                    private String topic;
                    private boolean sent;

                    @Override public String version() { return LibVersionSourceConnector.seen(getClass().getClassLoader()); }
                    @Override public void start(Map<String, String> props) { topic = props.get("topic"); }

                    @Override public List<SourceRecord> poll() throws InterruptedException {
                        if (sent) {
                            stopped.await(100, TimeUnit.MILLISECONDS); // an idle source waits in poll(), as real ones do
                            return null;
                        }
                        sent = true;
                        String value = "defining=" + LibVersionSourceConnector.seen(getClass().getClassLoader())
                                + ";context=" + LibVersionSourceConnector.seen(Thread.currentThread().getContextClassLoader());
                        return List.of(new SourceRecord(Map.of("p", "%s"), Map.of("o", 1), topic, Schema.STRING_SCHEMA, value));
                    }

                    @Override public void stop() { stopped.countDown(); }
                }
                """.formatted(pkg, pkg);
    }

    private static String transformationSource(String pkg) {
        return """
                package %s;

                import java.util.Map;
                import org.apache.kafka.common.config.ConfigDef;
                import org.apache.kafka.connect.connector.ConnectRecord;
                import org.apache.kafka.connect.transforms.Transformation;

                public class NoOpTransformation<R extends ConnectRecord<R>> implements Transformation<R> {
                    @Override public R apply(R record) { return record; }
                    @Override public ConfigDef config() { return new ConfigDef(); }
                    @Override public void close() { }
                    @Override public void configure(Map<String, ?> configs) { }
                }
                """.formatted(pkg);
    }
}
