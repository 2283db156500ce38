package io.connectreactive.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The Kafka-compatible launch scripts (bin/connect-standalone, bin/connect-distributed) and the image's
 * entrypoint, run for real on an install layout (the repository's bin/ beside a libs/) with a stand-in
 * {@code java} that records its arguments: which JVM options Kafka's environment variables give, what
 * reaches {@code Main}, where {@code -daemon} writes, and the usage line and exit code of bad arguments.
 * The real worker is started from the release archive by {@code e2e.ReleaseArchiveIT}.
 */
class LaunchScriptsTest {

    private static final Path REPO_BIN = Path.of("bin").toAbsolutePath();
    private static final Path ENTRYPOINT = Path.of("src/main/jib/etc/connect-reactive/docker/run").toAbsolutePath();

    @TempDir
    Path dir;

    private Path home;
    private Path javaHome;
    private Path argsFile;

    @BeforeEach
    void layOutAnInstall() throws IOException {
        home = dir.resolve("connect-reactive");
        Files.createDirectories(home.resolve("bin"));
        try (Stream<Path> files = Files.list(REPO_BIN)) {
            for (Path f : files.toList()) {
                Path to = home.resolve("bin").resolve(f.getFileName());
                if (Files.isSymbolicLink(f)) {
                    Files.createSymbolicLink(to, Files.readSymbolicLink(f));
                } else {
                    Files.copy(f, to, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
        Files.createDirectories(home.resolve("libs"));
        Files.writeString(home.resolve("libs/connect-reactive-1.0.jar"), "");
        // a java that records its arguments, one a line, in $ARGS_FILE and on standard output
        javaHome = dir.resolve("jre");
        Files.createDirectories(javaHome.resolve("bin"));
        Path java = javaHome.resolve("bin/java");
        Files.writeString(java, "#!/bin/sh\nprintf '%s\\n' \"$@\" > \"$ARGS_FILE\"\nprintf 'java %s\\n' \"$*\"\n");
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        argsFile = dir.resolve("java-args.txt");
    }

    @Test
    void standaloneRunsTheWorkerWithKafkasDefaultJvmOptions() throws Exception {
        Result r = run(Map.of(), "bin/connect-standalone", "worker.properties", "source.properties", "sink.json");
        assertThat(r.code).as(r.output).isEqualTo(0);
        List<String> args = javaArgs();
        assertThat(args).containsSubsequence("-Xms256M", "-Xmx2G", "-server", "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20",
                "-Dcom.sun.management.jmxremote", "-Dcom.sun.management.jmxremote.authenticate=false",
                "-Dcom.sun.management.jmxremote.ssl=false", "-Dkafka.logs.dir=" + home.resolve("logs"),
                "-cp", home.resolve("libs") + "/*", "io.connectreactive.cli.Main",
                "start", "--standalone", "worker.properties", "source.properties", "sink.json");
        assertThat(args).noneMatch(a -> a.contains("jmxremote.port")).noneMatch(a -> a.startsWith("-Xlog:gc"));
        assertThat(home.resolve("logs")).isDirectory();
        assertThat(r.output).doesNotContain("Building");
    }

    @Test
    void kafkasEnvironmentVariablesReplaceTheDefaults() throws Exception {
        Result r = run(Map.of("KAFKA_HEAP_OPTS", "-Xmx300m", "KAFKA_JVM_PERFORMANCE_OPTS", "-XX:+UseSerialGC",
                "KAFKA_JMX_OPTS", "-Dcom.sun.management.jmxremote", "JMX_PORT", "9999",
                "KAFKA_OPTS", "-Dmy.option=1 -Dother=2", "KAFKA_LOG4J_OPTS", "-Dlogback.configurationFile=/etc/logback.xml",
                "LOG_DIR", dir.resolve("var-log").toString()), "bin/connect-standalone", "-loggc", "worker.properties");
        assertThat(r.code).as(r.output).isEqualTo(0);
        List<String> args = javaArgs();
        assertThat(args).containsSubsequence("-Xmx300m", "-XX:+UseSerialGC",
                "-Xlog:gc*:file=" + dir.resolve("var-log/connectStandalone-gc.log") + ":time,tags:filecount=10,filesize=100M",
                "-Dcom.sun.management.jmxremote", "-Dcom.sun.management.jmxremote.port=9999",
                "-Dkafka.logs.dir=" + dir.resolve("var-log"), "-Dlogback.configurationFile=/etc/logback.xml",
                "-Dmy.option=1", "-Dother=2", "-cp");
        assertThat(args).doesNotContain("-Xms256M", "-Xmx2G", "-XX:+UseG1GC", "-Dcom.sun.management.jmxremote.ssl=false");
        assertThat(r.output).doesNotContain("log4j");
    }

    @Test
    void aLog4jConfigurationInKafkaLog4jOptsIsPassedOnWithOneWarning() throws Exception {
        Result r = run(Map.of("KAFKA_LOG4J_OPTS", "-Dlog4j2.configurationFile=/opt/kafka/config/connect-log4j2.yaml"),
                "bin/connect-distributed", "worker.properties");
        assertThat(r.code).as(r.output).isEqualTo(0);
        assertThat(javaArgs()).contains("-Dlog4j2.configurationFile=/opt/kafka/config/connect-log4j2.yaml");
        assertThat(r.output).contains("logs with logback").contains("-Dlogback.configurationFile");
    }

    @Test
    void distributedJoinsTheClusterWithItsOneWorkerFile() throws Exception {
        Result r = run(Map.of(), "bin/connect-distributed", "worker.properties", "leftover.properties");
        assertThat(r.code).as(r.output).isEqualTo(0);
        List<String> args = javaArgs();
        assertThat(args.subList(args.indexOf("io.connectreactive.cli.Main"), args.size()))
                .containsExactly("io.connectreactive.cli.Main", "start", "--cluster", "worker.properties");
        assertThat(r.output).contains("ignoring the arguments after worker.properties");
    }

    @Test
    void daemonWritesItsOutputToLogDirAndReturnsAtOnce() throws Exception {
        Path logs = dir.resolve("logs");
        Result r = run(Map.of("LOG_DIR", logs.toString()), "bin/connect-distributed", "-daemon", "worker.properties");
        assertThat(r.code).as(r.output).isEqualTo(0);
        assertThat(r.output).isEmpty();
        Path out = logs.resolve("connectDistributed.out");
        await().atMost(Duration.ofSeconds(20)).until(() -> Files.exists(out) && Files.readString(out).contains("start --cluster"));

        Result named = run(Map.of("LOG_DIR", logs.toString()), "bin/connect-standalone", "-daemon", "-name", "fileSource", "worker.properties");
        assertThat(named.code).isEqualTo(0);
        Path namedOut = logs.resolve("fileSource.out");
        await().atMost(Duration.ofSeconds(20)).until(() -> Files.exists(namedOut) && Files.readString(namedOut).contains("start --standalone"));
    }

    @Test
    void extraArgsAsKafkasScriptsReadThem() throws Exception {
        Path logs = dir.resolve("logs");
        Result r = run(Map.of("LOG_DIR", logs.toString(), "EXTRA_ARGS", "-name worker-a -loggc"), "bin/connect-standalone", "w.properties");
        assertThat(r.code).as(r.output).isEqualTo(0);
        assertThat(javaArgs()).anyMatch(a -> a.startsWith("-Xlog:gc*:file=" + logs.resolve("worker-a-gc.log")));
    }

    @Test
    void noWorkerFileExitsOneWithKafkasUsageLine() throws Exception {
        for (List<String> args : List.of(List.of("bin/connect-standalone"), List.of("bin/connect-standalone", "-daemon"),
                List.of("bin/connect-standalone", "--help"), List.of("bin/connect-standalone.sh"),
                List.of("bin/connect-distributed"), List.of("bin/connect-distributed", "-daemon", "-name"),
                List.of("bin/connect-distributed.sh", "-daemon"))) {
            Result r = run(Map.of(), args.toArray(String[]::new));
            String script = args.get(0);
            assertThat(r.code).as(args.toString()).isEqualTo(1);
            assertThat(r.output.strip()).as(args.toString()).startsWith("USAGE: " + script + " [-daemon] connect-"
                    + (script.contains("standalone") ? "standalone" : "distributed") + ".properties");
            assertThat(argsFile).as("no JVM started for " + args).doesNotExist();
        }
    }

    @Test
    void entrypointWritesConnectVariablesAsWorkerPropertiesAndRunsConnectDistributed() throws Exception {
        Path props = dir.resolve("generated/worker.properties");
        Map<String, String> env = new java.util.HashMap<>(Map.of(
                "KAFKA_HOME", home.toString(),
                "CONNECT_REACTIVE_CONFIG_FILE", props.toString(),
                "CONNECT_BOOTSTRAP_SERVERS", "broker-1:9092,broker-2:9092",
                "CONNECT_GROUP_ID", "connect-cluster-a",
                "CONNECT_CONFIG_STORAGE_TOPIC", "a-configs",
                "CONNECT_REST_ADVERTISED_HOST_NAME", "worker-0.connect",
                "CONNECT_PRODUCER_SASL_JAAS_CONFIG", "org.example.Login required path=\"C:\\keys\";",
                "CONNECT_CONSUMER_CLIENT___RACK", "rack-1",
                "CONNECT_REACTIVE_LOG_FORMAT", "json",
                "CONNECT_LOG4J_ROOT_LOGLEVEL", "DEBUG"));
        env.put("CONNECT_SOME__DASHED_KEY", "x");
        env.put("KAFKA_HEAP_OPTS", "-Xmx512m");
        Result r = run(env, ENTRYPOINT.toString());
        assertThat(r.code).as(r.output).isEqualTo(0);

        java.util.Properties p = new java.util.Properties();
        try (var in = Files.newBufferedReader(props, StandardCharsets.UTF_8)) {
            p.load(in);
        }
        assertThat(p).containsOnly(
                Map.entry("bootstrap.servers", "broker-1:9092,broker-2:9092"),
                Map.entry("group.id", "connect-cluster-a"),
                Map.entry("config.storage.topic", "a-configs"),
                Map.entry("rest.advertised.host.name", "worker-0.connect"),
                Map.entry("producer.sasl.jaas.config", "org.example.Login required path=\"C:\\keys\";"),
                Map.entry("consumer.client_rack", "rack-1"),
                Map.entry("some-dashed.key", "x"),
                Map.entry("listeners", "http://0.0.0.0:8083"),
                Map.entry("plugin.path", home.resolve("plugins").toString()));
        List<String> args = javaArgs();
        assertThat(args).contains("-Xmx512m").doesNotContain("-Xmx2G");
        assertThat(args.subList(args.indexOf("io.connectreactive.cli.Main"), args.size()))
                .containsExactly("io.connectreactive.cli.Main", "start", "--cluster", props.toString());
    }

    @Test
    void entrypointKeepsListenersAndPluginPathWhenGiven() throws Exception {
        Path props = dir.resolve("worker.properties");
        Result r = run(Map.of("KAFKA_HOME", home.toString(), "CONNECT_REACTIVE_CONFIG_FILE", props.toString(),
                "CONNECT_LISTENERS", "http://0.0.0.0:9000", "CONNECT_PLUGIN_PATH", "/usr/share/java"), ENTRYPOINT.toString());
        assertThat(r.code).as(r.output).isEqualTo(0);
        assertThat(Files.readAllLines(props)).contains("listeners=http://0.0.0.0:9000", "plugin.path=/usr/share/java")
                .doesNotContain("listeners=http://0.0.0.0:8083");
    }

    private List<String> javaArgs() throws IOException {
        assertThat(argsFile).exists();
        return Files.readAllLines(argsFile);
    }

    private record Result(int code, String output) {
    }

    /** Runs {@code command} from the install directory, with the stand-in java and none of the caller's Kafka variables. */
    private Result run(Map<String, String> env, String... command) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(new ArrayList<>(List.of(command))).directory(home.toFile()).redirectErrorStream(true);
        Map<String, String> e = pb.environment();
        e.keySet().removeIf(k -> k.startsWith("KAFKA_") || k.startsWith("CONNECT_") || k.equals("JMX_PORT")
                || k.equals("LOG_DIR") || k.equals("EXTRA_ARGS") || k.equals("JAVA_OPTS"));
        e.put("JAVA_HOME", javaHome.toString());
        e.put("ARGS_FILE", argsFile.toString());
        e.putAll(env);
        Process p = pb.start();
        p.getOutputStream().close();
        boolean done = p.waitFor(30, TimeUnit.SECONDS);
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(done).as("exited: " + String.join(" ", command) + "\n" + out).isTrue();
        return new Result(p.exitValue(), out);
    }
}
