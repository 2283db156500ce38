package io.connectreactive.metrics;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.connectreactive.testing.KafkaBroker;
import io.connectreactive.testing.WorkerProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The Prometheus JMX exporter's java agent (1.0.1) with a Kafka Connect rules file, on a worker JVM
 * running Kafka's VerifiableSourceConnector and VerifiableSinkConnector: the kafka_connect series and
 * labels it exports are those it exported for Apache Kafka Connect 4.3.1 on the same workload
 * ({@code jmx/kafka-connect-4.3.1.prom}, recorded by {@code benchmarks/kafka-connect/record-jmx-series}),
 * and the counters move.
 */
@ExtendWith(KafkaBroker.class)
class JmxExporterTest {

    /** A series line: name, labels, value. */
    private static final Pattern SERIES = Pattern.compile("^(kafka_connect_[a-z_]+)(?:\\{(.*)})? (\\S+)$");
    private static final Pattern LABEL = Pattern.compile("([a-z_]+)=\"((?:[^\"\\\\]|\\\\.)*)\"");
    /** Labels whose values differ between any two workers (the worker's id, the runtime's version and commit). */
    private static final Set<String> WORKER_LABELS = Set.of("client_id", "version", "commit_id");

    @Test
    void theExporterSeesKafkaConnectsSeriesAndLabels(KafkaBroker kafka, @TempDir Path dir) throws Exception {
        Path agent = Path.of("target", "jmx-exporter", "jmx_prometheus_javaagent-1.0.1.jar").toAbsolutePath();
        assertThat(agent).as("copied by mvn generate-test-resources").exists();
        Path rules = Path.of(JmxExporterTest.class.getResource("/jmx/kafka-connect-rules.yml").toURI());
        String recorded = new String(JmxExporterTest.class.getResourceAsStream("/jmx/kafka-connect-4.3.1.prom").readAllBytes());
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        String topic = KafkaBroker.uniqueTopic("jmx-topic");
        Path worker = dir.resolve("worker.properties");
        Files.writeString(worker, String.join("\n",
                "bootstrap.servers=" + kafka.bootstrapServers(),
                "listeners=http://127.0.0.1:0",
                "runtime.data.dir=" + dir.resolve("data"),
                "key.converter=org.apache.kafka.connect.json.JsonConverter",
                "value.converter=org.apache.kafka.connect.json.JsonConverter",
                "offset.flush.interval.ms=1000") + "\n");
        Path source = dir.resolve("source.properties");
        Files.writeString(source, String.join("\n", "name=jmx-source",
                "connector.class=org.apache.kafka.connect.tools.VerifiableSourceConnector", "tasks.max=1",
                "topic=" + topic, "throughput=20", "id=1") + "\n");
        Path sink = dir.resolve("sink.properties");
        Files.writeString(sink, String.join("\n", "name=jmx-sink",
                "connector.class=org.apache.kafka.connect.tools.VerifiableSinkConnector", "tasks.max=1",
                "topics=" + topic, "id=2") + "\n");
        Path log = dir.resolve("worker.log");
        HttpClient http = HttpClient.newHttpClient();
        URI metrics = URI.create("http://127.0.0.1:" + port + "/metrics");
        try (WorkerProcess w = WorkerProcess.startWith(List.of("-javaagent:" + agent + "=127.0.0.1:" + port + ":" + rules),
                worker, log, source, sink)) {
            String[] first = new String[1];
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).ignoreExceptions().untilAsserted(() -> {
                first[0] = http.send(HttpRequest.newBuilder(metrics).build(), HttpResponse.BodyHandlers.ofString()).body();
                Map<String, Double> v = values(first[0]);
                assertThat(v.getOrDefault("kafka_connect_connector_task_status{connector=jmx-sink,status=running,task=0}", 0.0))
                        .isEqualTo(1.0);
                assertThat(v.getOrDefault("kafka_connect_sink_task_sink_record_read_total{connector=jmx-sink,task=0}", 0.0))
                        .isPositive();
                assertThat(v.getOrDefault("kafka_connect_sink_task_offset_commit_completion_total{connector=jmx-sink,task=0}", 0.0))
                        .isPositive();
            });
            Thread.sleep(2_000);
            String second = http.send(HttpRequest.newBuilder(metrics).build(), HttpResponse.BodyHandlers.ofString()).body();
            assertThat(series(recorded)).as("Kafka Connect's recorded series").hasSizeGreaterThan(90);
            assertThat(series(second)).as("the kafka_connect series and labels, as Kafka Connect 4.3.1's")
                    .containsExactlyInAnyOrderElementsOf(series(recorded));
            Map<String, Double> before = values(first[0]);
            Map<String, Double> after = values(second);
            for (String moving : List.of("kafka_connect_source_task_source_record_poll_total{connector=jmx-source,task=0}",
                    "kafka_connect_source_task_source_record_write_total{connector=jmx-source,task=0}",
                    "kafka_connect_sink_task_sink_record_send_total{connector=jmx-sink,task=0}")) {
                assertThat(after.get(moving)).as(moving).isGreaterThan(before.get(moving));
            }
            assertThat(after.get("kafka_connect_source_task_source_record_poll_rate{connector=jmx-source,task=0}")).isPositive();
            assertThat(after.get("kafka_connect_worker_task_count")).isEqualTo(2.0);
            assertThat(after.get("kafka_connect_connector_connector_type{connector=jmx-source,connector_type=source}")).isEqualTo(1.0);
        } catch (AssertionError | RuntimeException e) {
            throw new AssertionError(e.getMessage() + "\nworker log:\n" + WorkerProcess.tail(log, 40), e);
        }
    }

    /** Every kafka_connect series as name{label=value,...}, sorted labels, the worker-specific label values blanked. */
    private static Set<String> series(String scrape) {
        return new TreeSet<>(parse(scrape, true).keySet());
    }

    private static Map<String, Double> values(String scrape) {
        return parse(scrape, false);
    }

    private static Map<String, Double> parse(String scrape, boolean blankWorkerLabels) {
        Map<String, Double> out = new TreeMap<>();
        for (String line : scrape.split("\n")) {
            Matcher m = SERIES.matcher(line.trim());
            if (!m.matches()) {
                continue;
            }
            Map<String, String> labels = new TreeMap<>();
            if (m.group(2) != null) {
                Matcher l = LABEL.matcher(m.group(2));
                while (l.find()) {
                    labels.put(l.group(1), blankWorkerLabels && WORKER_LABELS.contains(l.group(1)) ? "*" : l.group(2));
                }
            }
            StringBuilder key = new StringBuilder(m.group(1));
            if (!labels.isEmpty()) {
                key.append('{');
                labels.forEach((k, v) -> key.append(k).append('=').append(v).append(','));
                key.setLength(key.length() - 1);
                key.append('}');
            }
            out.put(key.toString(), Double.parseDouble(m.group(3)));
        }
        return out;
    }
}
