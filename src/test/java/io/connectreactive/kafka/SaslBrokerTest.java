package io.connectreactive.kafka;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.connectreactive.kafka.embedded.EmbeddedKafka;
import io.connectreactive.testing.TestWorker;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The worker against a broker that only speaks SASL_PLAINTEXT with PLAIN: its top-level
 * {@code security.protocol}, {@code sasl.mechanism} and {@code sasl.jaas.config} reach every Kafka
 * client it creates (the shared producer, the sink consumers, the admin clients of topic creation,
 * cluster lookup and sink offsets), and wrong credentials stop its start with a clear message.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SaslBrokerTest {

    private static final String PLAIN = "org.apache.kafka.common.security.plain.PlainLoginModule required ";

    private EmbeddedKafka broker;

    @BeforeAll
    void startSaslBroker(@TempDir Path dir) {
        broker = new EmbeddedKafka(dir.resolve("sasl-kafka"), 0, Map.of(
                "sasl.enabled.mechanisms", "PLAIN",
                "sasl.mechanism.inter.broker.protocol", "PLAIN",
                "listener.name.sasl_plaintext.plain.sasl.jaas.config", PLAIN
                        + "username=\"broker\" password=\"broker-secret\" user_broker=\"broker-secret\" user_connect=\"connect-secret\";"),
                "SASL_PLAINTEXT").start();
    }

    @AfterAll
    void stopSaslBroker() {
        if (broker != null) {
            broker.close();
        }
    }

    private static Map<String, String> sasl(String password) {
        Map<String, String> props = new HashMap<>();
        props.put("security.protocol", "SASL_PLAINTEXT");
        props.put("sasl.mechanism", "PLAIN");
        props.put("sasl.jaas.config", PLAIN + "username=\"connect\" password=\"" + password + "\";");
        return props;
    }

    @Test
    void aSourceWritesAndASinkReadsThroughSasl(@TempDir Path dir) throws Exception {
        Path in = dir.resolve("in.txt");
        Path out = dir.resolve("out.txt");
        Files.write(in, List.of("one", "two", "three"));
        ch.qos.logback.classic.Logger clients = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(
                org.apache.kafka.common.config.AbstractConfig.class);
        ch.qos.logback.classic.Level level = clients.getLevel();
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> logs = new ch.qos.logback.core.read.ListAppender<>();
        logs.start();
        ch.qos.logback.classic.Logger root = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.addAppender(logs);
        clients.setLevel(ch.qos.logback.classic.Level.INFO); // the clients' settings, logged at INFO
        try (TestWorker worker = TestWorker.start(broker.bootstrapServers(), dir.resolve("w"), sasl("connect-secret"))) {
            Map<String, String> source = new HashMap<>(Map.of("connector.class", "FileStreamSource", "file", in.toString(),
                    "topic", "sasl-lines"));
            // topic creation goes through the worker's admin client
            source.put("topic.creation.default.replication.factor", "1");
            source.put("topic.creation.default.partitions", "2");
            worker.create("sasl-source", source);
            worker.create("sasl-sink", Map.of("connector.class", "FileStreamSink", "file", out.toString(), "topics", "sasl-lines"));

            await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                    assertThat(Files.exists(out) ? Files.readAllLines(out) : List.<String>of())
                            .containsExactlyInAnyOrder("one", "two", "three"));
            // sink offsets are read through an admin client of its own
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                TestWorker.Response offsets = worker.get("/connectors/sasl-sink/offsets");
                assertThat(offsets.status()).as(offsets.body()).isEqualTo(200);
                assertThat(offsets.json().getJsonArray("offsets")).isNotEmpty();
            });
            JsonObject status = worker.status("sasl-source");
            assertThat(status.getJsonObject("connector").getString("state")).isEqualTo("RUNNING");
            assertThat(status.getJsonArray("tasks").getJsonObject(0).getString("state")).isEqualTo("RUNNING");
        } finally {
            root.detachAppender(logs);
            clients.setLevel(level);
        }
        // every client got the SASL settings, and the password-typed one was never logged in clear
        List<String> messages = logs.list.stream().map(e -> e.getFormattedMessage()
                + (e.getThrowableProxy() == null ? "" : e.getThrowableProxy().getMessage())).toList();
        assertThat(messages).anyMatch(m -> m.contains("ProducerConfig values") && m.contains("sasl.jaas.config = [hidden]"))
                .anyMatch(m -> m.contains("ConsumerConfig values") && m.contains("security.protocol = SASL_PLAINTEXT"))
                .anyMatch(m -> m.contains("AdminClientConfig values") && m.contains("sasl.mechanism = PLAIN"))
                .noneMatch(m -> m.contains("connect-secret"));
    }

    @Test
    void wrongCredentialsStopTheStartWithAClearMessage(@TempDir Path dir) {
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> TestWorker.start(broker.bootstrapServers(), dir, sasl("not-the-password")))
                .hasMessageContaining("refused the worker's credentials")
                .hasMessageContaining("Authentication failed")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("not-the-password"));
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(30));
    }
}
