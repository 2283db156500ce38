package io.connectreactive.metrics;

import java.util.concurrent.TimeUnit;

import javax.management.AttributeNotFoundException;
import javax.management.MBeanServer;
import javax.management.MBeanServerFactory;
import javax.management.ObjectName;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** Kafka Connect's beans over a registry's meters: names, attributes, windowed rates, lifecycle. */
class KafkaConnectMBeansTest {

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final MBeanServer server = MBeanServerFactory.newMBeanServer();

    @Test
    void rebalanceMetricsOfAClusteredWorker() throws Exception {
        try (KafkaConnectMBeans beans = new KafkaConnectMBeans(registry, server)) {
            Gauge.builder(MetricNames.REBALANCE + "epoch", () -> 7).register(registry);
            Gauge.builder(MetricNames.REBALANCE + "rebalancing", () -> 0).register(registry);
            Counter completed = Counter.builder(MetricNames.REBALANCE + "rebalance.completed").register(registry);
            Timer time = Timer.builder(MetricNames.REBALANCE + "rebalance.time").register(registry);
            completed.increment(3);
            time.record(40, TimeUnit.MILLISECONDS);
            time.record(60, TimeUnit.MILLISECONDS);
            ObjectName name = new ObjectName("kafka.connect:type=connect-worker-rebalance-metrics");
            assertThat(server.getAttribute(name, "epoch")).isEqualTo(7.0);
            assertThat(server.getAttribute(name, "rebalancing")).isEqualTo(0.0);
            assertThat(server.getAttribute(name, "completed-rebalances-total")).isEqualTo(3.0);
            assertThat((Double) server.getAttribute(name, "rebalance-avg-time-ms")).isCloseTo(50.0, within(0.01));
            assertThat((Double) server.getAttribute(name, "rebalance-max-time-ms")).isCloseTo(60.0, within(0.01));
            assertThatThrownBy(() -> server.getAttribute(name, "time-since-last-rebalance-ms"))
                    .as("no meter, no attribute").isInstanceOf(AttributeNotFoundException.class);
        }
        assertThat(server.queryNames(new ObjectName("kafka.connect:*"), null)).as("closed: unregistered").isEmpty();
    }

    @Test
    void aBeanPerTaskNamedAsKafkasJmxReporterWithARateOverTheWindow() throws Exception {
        try (KafkaConnectMBeans beans = new KafkaConnectMBeans(registry, server)) {
            Counter polled = Counter.builder(MetricNames.SOURCE + "source.record.poll").tags("connector", "orders:eu", "task", "3")
                    .register(registry);
            ObjectName name = new ObjectName("kafka.connect:type=source-task-metrics,connector=\"orders:eu\",task=3");
            assertThat(server.isRegistered(name)).as("a value with ':' quoted, as Kafka's JmxReporter quotes it").isTrue();
            polled.increment(300);
            assertThat(server.getAttribute(name, "source-record-poll-total")).isEqualTo(300.0);
            // less than a window since the bean was created: as Kafka's Rate, the count over one whole window (30 s)
            assertThat(server.getAttribute(name, "source-record-poll-rate")).isEqualTo(10.0);
            assertThat(server.getMBeanInfo(name).getAttributes()).extracting(a -> a.getName())
                    .containsExactly("source-record-poll-rate", "source-record-poll-total");

            registry.remove(polled);
            assertThat(server.isRegistered(name)).as("gone with its last meter").isFalse();
            Counter again = Counter.builder(MetricNames.SOURCE + "source.record.poll").tags("connector", "orders:eu", "task", "3")
                    .register(registry);
            again.increment(5);
            assertThat(server.getAttribute(name, "source-record-poll-total")).as("a new task of the same name: its own count only")
                    .isEqualTo(5.0);
        }
    }

    @Test
    void statusAndConnectorInfoAreStrings() throws Exception {
        try (KafkaConnectMBeans beans = new KafkaConnectMBeans(registry, server)) {
            for (String s : new String[] {"running", "paused"}) {
                Gauge.builder(MetricNames.CONNECTOR + "status", () -> s.equals("paused") ? 1 : 0)
                        .tags("connector", "c", "status", s).register(registry);
            }
            Gauge.builder(MetricNames.CONNECTOR + "info", () -> 1).tags("connector", "c", "connector.type", "sink",
                    "connector.class", "com.example.Sink", "connector.version", "1.2").register(registry);
            ObjectName name = new ObjectName("kafka.connect:type=connector-metrics,connector=c");
            assertThat(server.getAttribute(name, "status")).isEqualTo("paused");
            assertThat(server.getAttribute(name, "connector-type")).isEqualTo("sink");
            assertThat(server.getAttribute(name, "connector-class")).isEqualTo("com.example.Sink");
            assertThat(server.getAttribute(name, "connector-version")).isEqualTo("1.2");
            beans.appInfo("10.0.0.1:8083", "4.3.1", "abc", 42);
            ObjectName app = new ObjectName("kafka.connect:type=app-info,client-id=\"10.0.0.1:8083\"");
            assertThat(server.getAttribute(app, "version")).isEqualTo("4.3.1");
            assertThat(server.getAttribute(app, "commit-id")).isEqualTo("abc");
            assertThat(server.getAttribute(app, "start-time-ms")).isEqualTo(42L);
        }
    }
}
