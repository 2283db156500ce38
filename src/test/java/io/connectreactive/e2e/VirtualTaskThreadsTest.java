package io.connectreactive.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import io.connectreactive.runtime.exec.ThreadKind;
import io.connectreactive.testing.KafkaBroker;
import io.connectreactive.testing.WorkerProcess;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * On a JVM with virtual threads where {@code runtime.task.threads=auto} takes them (Java 24+), a worker
 * runs hundreds of classic tasks that spend their life blocked in {@code poll()} on a few dozen OS
 * threads, and every task delivers. The worker runs in its own JVM: the newest JDK under
 * {@code /usr/lib/jvm} (or {@code -Dtest.java.virtual=<java executable>}); skipped where there is none.
 */
@ExtendWith(KafkaBroker.class)
class VirtualTaskThreadsTest {

    private static final int TASKS = 400;

    @Test
    void hundredsOfTasksBlockedInPollRunOnAFewOsThreads(KafkaBroker kafka, @TempDir Path dir) throws Exception {
        Optional<Path> java = javaWithVirtualThreadsByDefault();
        Assumptions.assumeTrue(java.isPresent(), "no JDK " + ThreadKind.AUTO_VIRTUAL_FROM + "+ under /usr/lib/jvm "
                + "and no -Dtest.java.virtual: the tests' own JVM is Java " + Runtime.version().feature());
        String topic = KafkaBroker.uniqueTopic("sleepy");
        Path worker = dir.resolve("worker.properties");
        Files.writeString(worker, String.join("\n",
                "bootstrap.servers=" + kafka.bootstrapServers(),
                "listeners=http://127.0.0.1:0",
                "runtime.data.dir=" + dir.resolve("data"),
                "value.converter=org.apache.kafka.connect.storage.StringConverter") + "\n");
        Path connector = dir.resolve("sleepy.properties");
        Files.writeString(connector, String.join("\n",
                "name=sleepy", "connector.class=" + SleepySource.class.getName(), "tasks.max=" + TASKS,
                "topic=" + topic, "sleep.ms=20") + "\n");
        Path log = dir.resolve("worker.log");
        java.util.Properties p = new java.util.Properties();
        p.put("bootstrap.servers", kafka.bootstrapServers());
        Set<String> heardFrom = new HashSet<>();
        try (WorkerProcess process = WorkerProcess.startOn(java.get(), worker, log, connector);
             KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.assign(List.of(new TopicPartition(topic, 0)));
            consumer.seekToBeginning(List.of(new TopicPartition(topic, 0)));
            try {
                await().atMost(Duration.ofSeconds(120)).until(() -> {
                    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                        heardFrom.add(new String(r.value(), UTF_8).split(" ")[0]);
                    }
                    return heardFrom.size() == TASKS;
                });
                int threads = osThreads(process.process().pid());
                assertThat(threads).as("OS threads of a worker running %d tasks blocked in poll()", TASKS).isLessThan(100);
            } catch (AssertionError | RuntimeException e) {
                throw new AssertionError(e.getMessage() + "\nworker log:\n" + WorkerProcess.tail(log, 40), e);
            }
        }
    }

    private static int osThreads(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status"))) {
            if (line.startsWith("Threads:")) {
                return Integer.parseInt(line.substring("Threads:".length()).trim());
            }
        }
        throw new IllegalStateException("no Threads: line for process " + pid);
    }

    /** {@code -Dtest.java.virtual}, else the newest JDK under /usr/lib/jvm at or above the release where auto means virtual. */
    static Optional<Path> javaWithVirtualThreadsByDefault() throws IOException {
        String given = System.getProperty("test.java.virtual");
        if (given != null && !given.isBlank()) {
            return Optional.of(Path.of(given));
        }
        Path jvms = Path.of("/usr/lib/jvm");
        if (!Files.isDirectory(jvms)) {
            return Optional.empty();
        }
        Pattern version = Pattern.compile("^JAVA_VERSION=\"(\\d+)", Pattern.MULTILINE);
        try (Stream<Path> homes = Files.list(jvms)) {
            return homes.filter(home -> Files.isExecutable(home.resolve("bin/java")) && Files.isRegularFile(home.resolve("release")))
                    .map(home -> {
                        try {
                            Matcher m = version.matcher(Files.readString(home.resolve("release")));
                            return m.find() ? Map.entry(Integer.parseInt(m.group(1)), home) : null;
                        } catch (IOException e) {
                            return null;
                        }
                    })
                    .filter(e -> e != null && e.getKey() >= ThreadKind.AUTO_VIRTUAL_FROM)
                    .max(Comparator.comparing(Map.Entry::getKey))
                    .map(e -> e.getValue().resolve("bin/java"));
        }
    }
}
