package io.connectreactive.e2e;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import io.connectreactive.testing.KafkaBroker;
import io.connectreactive.testing.WorkerProcess;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The release archive as an operator gets it: {@code target/connect-reactive-<version>.tar.gz}, built by
 * {@code mvn package}, unpacked into a temporary directory and run with this JVM's Java only (no Maven,
 * no source tree) through Kafka's script names: the file quickstart with the shipped connector files,
 * {@code -daemon} into LOG_DIR, a distributed worker on the test broker, the image's entrypoint. Run by
 * failsafe in {@code verify}, after {@code package}.
 */
@ExtendWith(KafkaBroker.class)
class ReleaseArchiveIT {

    private static final Pattern REST = Pattern.compile("REST API listening on (http://127\\.0\\.0\\.1:\\d+)");
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @TempDir
    static Path unpacked;

    static Path home;

    @BeforeAll
    static void unpack() throws Exception {
        Path archive = Path.of(System.getProperty("release.archive", "target/connect-reactive.tar.gz"));
        assertThat(archive).as("the release archive (mvn package)").exists();
        Process tar = new ProcessBuilder("tar", "xzf", archive.toString(), "-C", unpacked.toString()).inheritIO().start();
        assertThat(tar.waitFor()).isEqualTo(0);
        try (Stream<Path> top = Files.list(unpacked)) {
            home = top.filter(p -> p.getFileName().toString().startsWith("connect-reactive-")).findFirst().orElseThrow();
        }
    }

    @Test
    void archiveHoldsScriptsConfLibsAnEmptyPluginsDirAndTheNotices() throws IOException {
        for (String script : List.of("connect-standalone", "connect-distributed", "connect-reactive")) {
            assertThat(home.resolve("bin").resolve(script)).isExecutable();
        }
        assertThat(home.resolve("bin/connect-standalone.sh")).isExecutable();
        assertThat(home.resolve("conf/worker.properties")).exists();
        assertThat(home.resolve("conf/connect-file-source.properties")).exists();
        assertThat(home.resolve("conf/connect-file-sink.properties")).exists();
        assertThat(home.resolve("pom.xml")).doesNotExist();
        assertThat(home.resolve("plugins")).isEmptyDirectory();
        assertThat(home.resolve("README.md")).exists();
        assertThat(Files.readString(home.resolve("LICENSE"))).contains("Apache License").contains("Version 2.0");
        List<String> libs;
        try (Stream<Path> s = Files.list(home.resolve("libs"))) {
            libs = s.map(p -> p.getFileName().toString()).sorted().toList();
        }
        assertThat(libs).anyMatch(n -> n.matches("connect-reactive-.+\\.jar"))
                .anyMatch(n -> n.startsWith("kafka-clients-")).anyMatch(n -> n.startsWith("vertx-core-"))
                .allMatch(n -> n.endsWith(".jar"));
        String notices = Files.readString(home.resolve("THIRD-PARTY.txt"));
        // every bundled dependency is listed (as groupId:artifactId:version), with the license its POM declares
        List<String> listed = notices.lines().filter(l -> l.startsWith("  ")).map(String::strip)
                .map(l -> l.split(":")[1] + "-" + l.split(":")[2] + ".jar").toList();
        assertThat(listed).containsExactlyInAnyOrderElementsOf(libs.stream().filter(n -> !n.startsWith("connect-reactive-")).toList());
        assertThat(notices).contains("Apache License").contains("org.apache.kafka:kafka-clients:")
                .doesNotContain("No license declared");
    }

    @Test
    void standaloneRunsTheFileQuickstartAndStopsWithExitCodeZero(@TempDir Path work) throws Exception {
        Path worker = embeddedBrokerWorker(work);
        // a distributed worker's file used standalone: Kafka's standalone worker ignores group.id, so does this
        Files.writeString(worker, "group.id=not-a-cluster\n", java.nio.file.StandardOpenOption.APPEND);
        Files.writeString(work.resolve("test.txt"), "hello\nworld\n");
        Path log = work.resolve("worker.log");
        // the shipped connector files, unchanged: test.txt -> connect-test -> test.sink.txt (relative to the working directory)
        Process p = start(work, log, Map.of(), home.resolve("bin/connect-standalone").toString(), worker.toString(),
                home.resolve("conf/connect-file-source.properties").toString(), home.resolve("conf/connect-file-sink.properties").toString());
        try {
            String rest = awaitRest(log, p);
            assertThat(get(rest + "/").body()).contains("kafka_cluster_id");
            await().atMost(Duration.ofSeconds(90)).until(() -> get(rest + "/connectors").body().contains("local-file-sink"));
            assertThat(get(rest + "/connectors").body()).contains("local-file-source");
            Path sink = work.resolve("test.sink.txt");
            await().atMost(Duration.ofSeconds(90)).until(() -> Files.exists(sink) && Files.readAllLines(sink).size() >= 2);
            assertThat(Files.readAllLines(sink)).containsExactly("hello", "world");
            p.destroy(); // SIGTERM
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as(WorkerProcess.tail(log, 40)).isEqualTo(0);
        } finally {
            p.destroyForcibly();
        }
        String output = Files.readString(log);
        assertThat(output).contains("Worker stopped").contains("ignoring group.id").doesNotContain("Building connect-reactive");
    }

    @Test
    void connectReactiveStartRunsLibsWithoutMavenAndWritesItsClassDataArchiveInCds(@TempDir Path work) throws Exception {
        Path worker = embeddedBrokerWorker(work);
        Path log = work.resolve("worker.log");
        Process p = start(work, log, Map.of(), home.resolve("bin/connect-reactive").toString(), "start", worker.toString());
        try {
            String rest = awaitRest(log, p);
            assertThat(get(rest + "/connectors").body()).isEqualTo("[]");
            p.destroy();
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as(WorkerProcess.tail(log, 40)).isEqualTo(0);
        } finally {
            p.destroyForcibly();
        }
        assertThat(Files.readString(log)).doesNotContain("Building connect-reactive");
        try (Stream<Path> cds = Files.list(home.resolve("cds"))) {
            assertThat(cds.map(c -> c.getFileName().toString())).as(Files.readString(log))
                    .anyMatch(n -> n.endsWith(".jsa") || n.endsWith(".aot") || n.endsWith(".failed"));
        }
    }

    @Test
    void daemonReturnsAtOnceAndWritesItsOutputUnderLogDir(@TempDir Path work) throws Exception {
        Path worker = embeddedBrokerWorker(work);
        Path logs = work.resolve("logs");
        Path log = work.resolve("script.log");
        Process script = start(work, log, Map.of("LOG_DIR", logs.toString(), "KAFKA_HEAP_OPTS", "-Xmx512m"),
                home.resolve("bin/connect-standalone").toString(), "-daemon", worker.toString());
        assertThat(script.waitFor(20, TimeUnit.SECONDS)).as("the script returns at once").isTrue();
        assertThat(script.exitValue()).isEqualTo(0);
        Path out = logs.resolve("connectStandalone.out");
        Optional<ProcessHandle> daemon = Optional.empty();
        try {
            String rest = awaitRest(out, null);
            assertThat(get(rest + "/connectors").body()).isEqualTo("[]");
            daemon = ProcessHandle.allProcesses()
                    .filter(h -> h.info().commandLine().map(c -> c.contains("io.connectreactive.cli.Main") && c.contains(worker.toString())).orElse(false))
                    .findFirst();
            assertThat(daemon).as("the worker's JVM").isPresent();
            daemon.get().destroy(); // SIGTERM
            daemon.get().onExit().get(60, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(10)).until(() -> Files.readString(out).contains("Worker stopped"));
        } finally {
            daemon.ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    @Test
    void distributedWorkerJoinsItsGroupOnTheBrokerAndListsNoConnectors(KafkaBroker kafka, @TempDir Path work) throws Exception {
        String group = KafkaBroker.uniqueTopic("archive-cluster");
        int restPort = freePort();
        Path worker = work.resolve("connect-distributed.properties");
        Files.writeString(worker, String.join("\n",
                "bootstrap.servers=" + kafka.bootstrapServers(),
                "group.id=" + group,
                "config.storage.topic=" + group + "-configs",
                "offset.storage.topic=" + group + "-offsets",
                "status.storage.topic=" + group + "-status",
                "offset.storage.partitions=2",
                "status.storage.partitions=1",
                "listeners=http://127.0.0.1:" + restPort,
                "runtime.cluster.host=127.0.0.1",
                "runtime.cluster.port=" + freePort(),
                "runtime.cluster.members=127.0.0.1",
                "runtime.data.dir=" + work.resolve("data")) + "\n");
        Path log = work.resolve("worker.log");
        Process p = start(work, log, Map.of("KAFKA_HEAP_OPTS", "-Xmx512m"), home.resolve("bin/connect-distributed").toString(), worker.toString());
        try {
            awaitRest(log, p);
            String rest = "http://127.0.0.1:" + restPort;
            await().atMost(Duration.ofSeconds(120)).ignoreExceptions().until(() -> get(rest + "/connectors").statusCode() == 200);
            assertThat(get(rest + "/connectors").body()).isEqualTo("[]");
            assertThat(kafka.endOffsets(group + "-configs")).isNotEmpty();
            p.destroy();
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as(WorkerProcess.tail(log, 40)).isEqualTo(0);
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void imageEntrypointStartsADistributedWorkerFromConnectVariables(KafkaBroker kafka, @TempDir Path work) throws Exception {
        String group = KafkaBroker.uniqueTopic("image-cluster");
        int restPort = freePort();
        Path props = work.resolve("generated.properties");
        Map<String, String> env = new java.util.HashMap<>(Map.of(
                "KAFKA_HOME", home.toString(),
                "CONNECT_REACTIVE_CONFIG_FILE", props.toString(),
                "CONNECT_BOOTSTRAP_SERVERS", kafka.bootstrapServers(),
                "CONNECT_GROUP_ID", group,
                "CONNECT_CONFIG_STORAGE_TOPIC", group + "-configs",
                "CONNECT_OFFSET_STORAGE_TOPIC", group + "-offsets",
                "CONNECT_STATUS_STORAGE_TOPIC", group + "-status",
                "CONNECT_LISTENERS", "http://127.0.0.1:" + restPort,
                "CONNECT_RUNTIME_CLUSTER_PORT", String.valueOf(freePort()),
                "CONNECT_RUNTIME_DATA_DIR", work.resolve("data").toString()));
        env.put("CONNECT_RUNTIME_CLUSTER_HOST", "127.0.0.1");
        env.put("CONNECT_RUNTIME_CLUSTER_MEMBERS", "127.0.0.1");
        env.put("CONNECT_OFFSET_STORAGE_PARTITIONS", "2");
        env.put("CONNECT_STATUS_STORAGE_PARTITIONS", "1");
        env.put("KAFKA_HEAP_OPTS", "-Xmx512m");
        Path log = work.resolve("worker.log");
        Process p = start(work, log, env, System.getProperty("release.image.entrypoint", "src/main/jib/etc/connect-reactive/docker/run"));
        try {
            awaitRest(log, p);
            assertThat(Files.readString(props)).contains("group.id=" + group, "bootstrap.servers=" + kafka.bootstrapServers(),
                    "plugin.path=" + home.resolve("plugins"), "listeners=http://127.0.0.1:" + restPort);
            String rest = "http://127.0.0.1:" + restPort;
            await().atMost(Duration.ofSeconds(120)).ignoreExceptions().until(() -> get(rest + "/connectors").statusCode() == 200);
            assertThat(get(rest + "/connectors").body()).isEqualTo("[]");
            p.destroy();
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as(WorkerProcess.tail(log, 40)).isEqualTo(0);
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void badArgumentsExitOneWithKafkasUsageLine(@TempDir Path work) throws Exception {
        Path log = work.resolve("out.log");
        Process p = start(work, log, Map.of(), home.resolve("bin/connect-distributed").toString());
        assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isEqualTo(1);
        assertThat(Files.readString(log)).startsWith("USAGE: " + home.resolve("bin/connect-distributed") + " [-daemon] connect-distributed.properties");
    }

    /** A standalone worker file: embedded broker on a port of the system's choice, REST likewise. */
    private static Path embeddedBrokerWorker(Path work) throws IOException {
        Path worker = work.resolve("worker.properties");
        Files.writeString(worker, String.join("\n",
                "runtime.data.dir=" + work.resolve("data"),
                "runtime.embedded.kafka.port=0",
                "listeners=http://127.0.0.1:0",
                "offset.storage.file.filename=" + work.resolve("data/connect.offsets"),
                "offset.flush.interval.ms=500",
                "key.converter=org.apache.kafka.connect.storage.StringConverter",
                "value.converter=org.apache.kafka.connect.storage.StringConverter") + "\n");
        return worker;
    }

    /** Runs {@code command} in {@code work} with this JVM as JAVA_HOME and none of the caller's Kafka variables. */
    private static Process start(Path work, Path log, Map<String, String> env, String... command) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(new ArrayList<>(List.of(command))).directory(work.toFile())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        Map<String, String> e = pb.environment();
        e.keySet().removeIf(k -> k.startsWith("KAFKA_") || k.startsWith("CONNECT_") || k.equals("JMX_PORT")
                || k.equals("LOG_DIR") || k.equals("EXTRA_ARGS") || k.equals("JAVA_OPTS") || k.startsWith("MAVEN"));
        e.put("JAVA_HOME", System.getProperty("java.home"));
        e.putAll(env);
        return pb.start();
    }

    /** The REST address the worker logs once it listens, or a failure with the log's end if it exits first. */
    private static String awaitRest(Path log, Process p) {
        return await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200)).until(() -> {
            if (p != null && !p.isAlive()) {
                throw new AssertionError("worker exited with " + p.exitValue() + ":\n" + WorkerProcess.tail(log, 40));
            }
            if (!Files.exists(log)) {
                return null;
            }
            Matcher m = REST.matcher(Files.readString(log));
            return m.find() ? m.group(1) : null;
        }, s -> s != null);
    }

    private static HttpResponse<String> get(String url) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 0, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
