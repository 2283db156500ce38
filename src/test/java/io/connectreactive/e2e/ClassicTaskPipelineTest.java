package io.connectreactive.e2e;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import io.connectreactive.testing.KafkaBroker;
import io.connectreactive.testing.TestWorker;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Classic connect-api tasks (blocking poll/put) run through the same pipelines, on their own threads. */
@ExtendWith(KafkaBroker.class)
class ClassicTaskPipelineTest {

    private static final Map<String, String> STRINGS = Map.of(
            "key.converter", "org.apache.kafka.connect.storage.StringConverter",
            "value.converter", "org.apache.kafka.connect.storage.StringConverter");

    @Test
    void classicSourceIsPolledOnItsOwnThreadAndResumesAfterRestartWithoutDuplicates(KafkaBroker kafka, @TempDir Path dir) {
        String topic = KafkaBroker.uniqueTopic("classic-src");
        Map<String, String> config = Map.of("connector.class", ClassicCounterSource.class.getName(),
                "topic", topic, "count", "3000", "batch", "70");
        try (TestWorker worker = TestWorker.start(kafka, dir, STRINGS)) {
            worker.create("counter", config);
            assertThat(values(kafka, topic, 3000)).containsExactlyElementsOf(numbers(0, 3000));
        }
        assertThat(kafka.endOffset(topic)).isEqualTo(3000);
        assertThat(ClassicCounterSource.POLL_THREADS.get("counter")).allMatch(t -> t.equals("cr-task-counter-0"));

        // raise the count: a new worker on the same files resumes after the last stored offset
        try (TestWorker worker = TestWorker.start(kafka, dir, STRINGS)) {
            assertThat(worker.send("PUT", "/connectors/counter/config", new io.vertx.core.json.JsonObject(
                    new java.util.HashMap<>(Map.of("connector.class", ClassicCounterSource.class.getName(),
                            "topic", topic, "count", "4000", "batch", "70"))).encode()).status()).isEqualTo(200);
            List<String> all = values(kafka, topic, 4000);
            assertThat(all).containsExactlyElementsOf(numbers(0, 4000));
        }
        assertThat(kafka.endOffset(topic)).isEqualTo(4000);
    }

    @Test
    void classicSinkGetsEveryRecordInOrderAndCommitsWhatPreCommitReturned(KafkaBroker kafka, @TempDir Path dir) throws Exception {
        String topic = KafkaBroker.uniqueTopic("classic-sink");
        try (TestWorker worker = TestWorker.start(kafka, dir, STRINGS)) {
            worker.create("numbers", Map.of("connector.class", ClassicCounterSource.class.getName(),
                    "topic", topic, "count", "2000"));
            worker.create("collector", Map.of("connector.class", ClassicCollectingSink.class.getName(), "topics", topic));
            await().atMost(Duration.ofSeconds(30)).until(() ->
                    ClassicCollectingSink.VALUES.getOrDefault("collector", List.of()).size() >= 2000);
            assertThat(ClassicCollectingSink.VALUES.get("collector")).containsExactlyElementsOf(numbers(0, 2000));
            assertThat(ClassicCollectingSink.THREADS.get("collector")).allMatch(t -> t.equals("cr-task-collector-0"));
            TopicPartition tp = new TopicPartition(topic, 0);
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                    Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets("connect-collector")
                            .partitionsToOffsetAndMetadata().get();
                    assertThat(committed.get(tp)).isNotNull();
                    assertThat(committed.get(tp).offset()).isEqualTo(2000L);
                });
            }
            assertThat(ClassicCollectingSink.PRE_COMMITS.get("collector"))
                    .anySatisfy(m -> assertThat(m.get(tp)).isEqualTo(new OffsetAndMetadata(2000L)));
        }
    }

    private static List<String> values(KafkaBroker kafka, String topic, int count) {
        return kafka.consume(topic, count, Duration.ofSeconds(60)).stream()
                .map(r -> new String(r.value(), java.nio.charset.StandardCharsets.UTF_8)).toList();
    }

    private static List<String> numbers(int from, int to) {
        return IntStream.range(from, to).mapToObj(String::valueOf).toList();
    }
}
