package io.connectreactive.bench;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

/**
 * The plugin.path directory both runtimes get in the same-plugin scenarios (issue 9), one
 * directory per plugin as Kafka Connect expects: Apache's connect-file 4.3.1 jar, and the
 * benchmarks' fixed-rate test connector packaged from this project's classes (with its
 * ServiceLoader manifest, so neither runtime needs to scan for it); and the limit loop's jar
 * ({@link Setup#limitJar()}), which runs on Kafka Connect's class path. Written once per harness
 * run, on its main thread.
 */
final class Plugins {

    private static final String PLUGIN_PACKAGE = "io/connectreactive/bench/plugin/";
    private static final String LIMIT_PACKAGE = "io/connectreactive/bench/limit/";

    private Plugins() {
    }

    static void prepare(Setup setup) throws IOException {
        Path dir = setup.pluginDir();
        Scenarios.deleteTree(dir);
        Path connectFile = dir.resolve("connect-file");
        Files.createDirectories(connectFile);
        Files.copy(setup.connectFileJar(), connectFile.resolve(setup.connectFileJar().getFileName()), StandardCopyOption.REPLACE_EXISTING);

        Path fixedRate = dir.resolve("fixed-rate");
        Files.createDirectories(fixedRate);
        Path classes = setup.benchDir().resolve("target/classes");
        writeJar(fixedRate.resolve("bench-fixed-rate-1.0.jar"), classes, PLUGIN_PACKAGE, Map.of(
                "META-INF/services/org.apache.kafka.connect.source.SourceConnector",
                "io.connectreactive.bench.plugin.FixedRateSourceConnector\n",
                "META-INF/services/org.apache.kafka.connect.sink.SinkConnector",
                "io.connectreactive.bench.plugin.LatencySinkConnector\n"));
        Files.createDirectories(setup.limitJar().getParent());
        writeJar(setup.limitJar(), classes, LIMIT_PACKAGE, Map.of());
    }

    /** A jar of the classes under {@code classes/pkg}, with these ServiceLoader files (name → text). */
    private static void writeJar(Path target, Path classes, String pkg, Map<String, String> services) throws IOException {
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().putValue("Manifest-Version", "1.0");
        try (OutputStream out = Files.newOutputStream(target);
             JarOutputStream jar = new JarOutputStream(out, manifest)) {
            try (var files = Files.walk(classes.resolve(pkg))) {
                for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile).sorted()::iterator) {
                    jar.putNextEntry(new JarEntry(classes.relativize(f).toString().replace('\\', '/')));
                    jar.write(Files.readAllBytes(f));
                    jar.closeEntry();
                }
            }
            for (Map.Entry<String, String> service : new java.util.TreeMap<>(services).entrySet()) {
                jar.putNextEntry(new JarEntry(service.getKey()));
                jar.write(service.getValue().getBytes(StandardCharsets.UTF_8));
                jar.closeEntry();
            }
        }
    }

    static List<String> describe() {
        return List.of("connect-file/connect-file-4.3.1.jar (Apache)", "fixed-rate/bench-fixed-rate-1.0.jar (benchmarks' test connectors: fixed-rate source, latency sink)");
    }
}
