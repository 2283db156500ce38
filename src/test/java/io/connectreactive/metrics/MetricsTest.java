package io.connectreactive.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;

import javax.management.MBeanServer;
import javax.management.ObjectName;

import io.connectreactive.config.WorkerConfig;
import io.connectreactive.e2e.ClassicCollectingSink;
import io.connectreactive.e2e.ClassicCounterSource;
import io.connectreactive.testing.KafkaBroker;
import io.connectreactive.testing.TestWorker;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.common.utils.AppInfoParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Kafka Connect's metrics after real traffic through a source and a sink, in the registry, at GET /metrics and over JMX. */
@ExtendWith(KafkaBroker.class)
class MetricsTest {

    private static final Map<String, String> STRINGS = Map.of(
            "key.converter", "org.apache.kafka.connect.storage.StringConverter",
            "value.converter", "org.apache.kafka.connect.storage.StringConverter");
    private static final int N = 700;

    @Test
    void sourceAndSinkTaskMetricsWorkerCountsAndPrometheusText(KafkaBroker kafka, @TempDir Path dir) {
        String topic = KafkaBroker.uniqueTopic("metrics");
        try (TestWorker worker = TestWorker.start(kafka, dir, STRINGS)) {
            MeterRegistry registry = worker.worker().metrics().registry();
            worker.create("msrc", Map.of("connector.class", ClassicCounterSource.class.getName(),
                    "topic", topic, "count", String.valueOf(N), "batch", "50"));
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                assertThat(counter(registry, "kafka.connect.source.task.source.record.poll", "msrc")).isEqualTo(N);
                assertThat(counter(registry, "kafka.connect.source.task.source.record.write", "msrc")).isEqualTo(N);
                assertThat(gauge(registry, "kafka.connect.source.task.source.record.active.count", "msrc")).isZero();
                assertThat(gauge(registry, "connect.reactive.task.records.in.flight", "msrc")).isZero();
            });
            assertThat(registry.get("kafka.connect.source.task.poll.batch.time").tag("connector", "msrc").timer().count()).isPositive();
            assertThat(registry.get("kafka.connect.connector.task.batch.size").tag("connector", "msrc").summary().totalAmount())
                    .isEqualTo(N);
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                    assertThat(registry.get("kafka.connect.connector.task.offset.commit.time").tag("connector", "msrc").timer().count())
                            .isPositive());

            worker.create("msink", Map.of("connector.class", ClassicCollectingSink.class.getName(), "topics", topic));
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                assertThat(counter(registry, "kafka.connect.sink.task.sink.record.read", "msink")).isEqualTo(N);
                assertThat(counter(registry, "kafka.connect.sink.task.sink.record.send", "msink")).isEqualTo(N);
                assertThat(gauge(registry, "kafka.connect.sink.task.partition.count", "msink")).isEqualTo(1);
                assertThat(gauge(registry, "kafka.connect.sink.task.sink.record.active.count", "msink")).isZero();
            });
            assertThat(registry.get("kafka.connect.worker.connector.count").gauge().value()).isEqualTo(2);
            assertThat(registry.get("kafka.connect.worker.task.count").gauge().value()).isEqualTo(2);
            assertThat(registry.get("kafka.connect.worker.connector.running.task.count").tag("connector", "msink").gauge().value())
                    .isEqualTo(1);
            assertThat(registry.get("kafka.connect.connector.task.status").tags("connector", "msink", "status", "running")
                    .gauge().value()).isEqualTo(1);
            assertThat(registry.get("kafka.connect.worker.task.startup.success").counter().count()).isEqualTo(2);

            String text = worker.get("/metrics").body();
            assertThat(text)
                    .contains("kafka_connect_source_task_source_record_poll_total{connector=\"msrc\",task=\"0\"} " + N + ".0")
                    .contains("kafka_connect_source_task_source_record_write_total{connector=\"msrc\",task=\"0\"} " + N + ".0")
                    .contains("kafka_connect_source_task_source_record_active_count{connector=\"msrc\",task=\"0\"} 0.0")
                    .contains("kafka_connect_sink_task_sink_record_read_total{connector=\"msink\",task=\"0\"} " + N + ".0")
                    .contains("kafka_connect_sink_task_partition_count{connector=\"msink\",task=\"0\"} 1.0")
                    .contains("kafka_connect_worker_connector_count 2.0")
                    .contains("kafka_connect_worker_task_count 2.0")
                    .contains("kafka_connect_connector_status{connector=\"msrc\",status=\"running\"} 1.0")
                    .containsPattern("kafka_connect_connector_info\\{connector=\"msrc\",connector_class=\""
                            + ClassicCounterSource.class.getName().replace(".", "\\.") + "\",connector_type=\"source\"")
                    .contains("connect_reactive_source_queued_records ")
                    .contains("connect_reactive_event_loop_delay_seconds{loop=\"vert.x-eventloop-thread-");
            assertThat(worker.get("/metrics").status()).isEqualTo(200);

            // deleted: its meters go, the counts drop
            assertThat(worker.send("DELETE", "/connectors/msink", null).status()).isEqualTo(204);
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                assertThat(registry.get("kafka.connect.worker.connector.count").gauge().value()).isEqualTo(1);
                assertThat(registry.get("kafka.connect.worker.task.count").gauge().value()).isEqualTo(1);
                assertThat(registry.find("kafka.connect.sink.task.sink.record.read").tag("connector", "msink").counter()).isNull();
                assertThat(registry.find("kafka.connect.connector.status").tag("connector", "msink").gauges()).isEmpty();
            });
            assertThat(worker.get("/metrics").body()).doesNotContain("connector=\"msink\"");
        }
    }

    @Test
    void kafkaConnectsMBeansOnePerGroupWithItsAttributeNames(KafkaBroker kafka, @TempDir Path dir) throws Exception {
        String topic = KafkaBroker.uniqueTopic("metrics-jmx");
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        ObjectName source = new ObjectName("kafka.connect:type=source-task-metrics,connector=jmxsrc,task=0");
        ObjectName task = new ObjectName("kafka.connect:type=connector-task-metrics,connector=jmxsrc,task=0");
        ObjectName connector = new ObjectName("kafka.connect:type=connector-metrics,connector=jmxsrc");
        ObjectName workerBean = new ObjectName("kafka.connect:type=connect-worker-metrics");
        ObjectName stopped;
        try (TestWorker worker = TestWorker.start(kafka, dir, STRINGS)) { // metrics.jmx.enable is on by default, as Kafka Connect's JMX
            worker.create("jmxsrc", Map.of("connector.class", ClassicCounterSource.class.getName(),
                    "topic", topic, "count", "120", "batch", "40"));
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                assertThat(server.isRegistered(source)).isTrue();
                assertThat(server.getAttribute(source, "source-record-poll-total")).isEqualTo(120.0);
                assertThat(server.getAttribute(source, "source-record-write-total")).isEqualTo(120.0);
                assertThat(server.getAttribute(task, "status")).isEqualTo("running");
                assertThat(server.getAttribute(task, "offset-commit-success-percentage")).isEqualTo(1.0);
            });
            assertThat((Double) server.getAttribute(source, "source-record-poll-rate")).isPositive();
            assertThat((Double) server.getAttribute(source, "poll-batch-avg-time-ms")).isNotNegative();
            assertThat(server.getAttribute(task, "batch-size-max")).isEqualTo(40.0);
            assertThat(server.getAttribute(task, "batch-size-avg")).isEqualTo(40.0);
            assertThat(server.getAttribute(connector, "connector-class")).isEqualTo(ClassicCounterSource.class.getName());
            assertThat(server.getAttribute(connector, "connector-type")).isEqualTo("source");
            assertThat(server.getAttribute(workerBean, "task-count")).isEqualTo(1.0);
            assertThat(server.getAttribute(new ObjectName("kafka.connect:type=connect-worker-metrics,connector=jmxsrc"),
                    "connector-running-task-count")).isEqualTo(1.0);
            assertThat(server.getAttribute(new ObjectName("kafka.connect:type=task-error-metrics,connector=jmxsrc,task=0"),
                    "total-record-errors")).isEqualTo(0.0);
            Set<ObjectName> appInfo = server.queryNames(new ObjectName("kafka.connect:type=app-info,client-id=\"127.0.0.1:"
                    + worker.worker().restPort() + "\""), null);
            assertThat(appInfo).hasSize(1);
            assertThat(server.getAttribute(appInfo.iterator().next(), "version")).isEqualTo(AppInfoParser.getVersion());
            assertThat(java.util.Arrays.stream(server.getMBeanInfo(source).getAttributes()).map(a -> a.getName()))
                    .as("Kafka Connect's attributes, no other (no exactly-once transaction yet)")
                    .containsExactlyInAnyOrder("source-record-poll-rate", "source-record-poll-total", "source-record-write-rate",
                            "source-record-write-total", "poll-batch-max-time-ms", "poll-batch-avg-time-ms",
                            "source-record-active-count", "source-record-active-count-max", "source-record-active-count-avg");
            assertThat(server.queryNames(new ObjectName("kafka.connect:connector=jmxsrc,*"), null)).hasSize(5);

            assertThat(worker.send("DELETE", "/connectors/jmxsrc", null).status()).isEqualTo(204);
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                    assertThat(server.queryNames(new ObjectName("kafka.connect:connector=jmxsrc,*"), null)).as("gone with the connector")
                            .isEmpty());
            assertThat(server.isRegistered(appInfo.iterator().next())).isTrue();
            stopped = appInfo.iterator().next();
        }
        assertThat(server.isRegistered(stopped)).as("unregistered when the worker stops").isFalse();
    }

    @Test
    void noMBeansWhenJmxIsOff(KafkaBroker kafka, @TempDir Path dir) throws Exception {
        Map<String, String> props = new java.util.HashMap<>(STRINGS);
        props.put(WorkerConfig.METRICS_JMX_ENABLE, "false");
        try (TestWorker worker = TestWorker.start(kafka, dir, props)) {
            worker.create("nojmx", Map.of("connector.class", ClassicCounterSource.class.getName(),
                    "topic", KafkaBroker.uniqueTopic("metrics-nojmx"), "count", "10", "batch", "10"));
            await().atMost(Duration.ofSeconds(60)).until(() -> counter(worker.worker().metrics().registry(),
                    "kafka.connect.source.task.source.record.write", "nojmx") == 10);
            assertThat(ManagementFactory.getPlatformMBeanServer().queryNames(new ObjectName("kafka.connect:connector=nojmx,*"), null))
                    .isEmpty();
        }
    }

    private static double counter(MeterRegistry registry, String name, String connector) {
        Counter c = registry.find(name).tags("connector", connector, "task", "0").counter();
        return c == null ? -1 : c.count();
    }

    private static double gauge(MeterRegistry registry, String name, String connector) {
        Gauge g = registry.find(name).tags("connector", connector, "task", "0").gauge();
        return g == null ? -1 : g.value();
    }
}
