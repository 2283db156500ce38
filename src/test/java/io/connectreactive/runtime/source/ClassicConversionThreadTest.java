package io.connectreactive.runtime.source;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import io.connectreactive.testing.KafkaBroker;
import io.connectreactive.testing.TestWorker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A classic task's converter may block (a Schema Registry converter makes HTTP calls): it runs on
 * the task's own thread, so no event loop is blocked and the worker's other tasks keep flowing.
 * ({@link TestWorker#close()} fails the test on a blocked event loop.)
 */
@ExtendWith(KafkaBroker.class)
class ClassicConversionThreadTest {

    @Test
    void aBlockingConverterHoldsUpOnlyItsOwnTask(KafkaBroker kafka, @TempDir Path dir) {
        String slowTopic = KafkaBroker.uniqueTopic("slow");
        String fastTopic = KafkaBroker.uniqueTopic("fast");
        GatedConverter.GATE = new CountDownLatch(1);
        GatedConverter.THREADS.clear();
        try (TestWorker w = TestWorker.start(kafka, dir, Map.of("value.converter", "org.apache.kafka.connect.storage.StringConverter"))) {
            w.create("slow", Map.of("connector.class", SequenceSource.class.getName(), "topic", slowTopic, "count", "5",
                    "tasks.max", "2", "value.converter", GatedConverter.class.getName()));
            await().atMost(Duration.ofSeconds(30)).until(() -> !GatedConverter.THREADS.isEmpty());

            // while the slow tasks' converters block, 2 s per record, the other connector's records flow
            w.create("fast", Map.of("connector.class", SequenceSource.class.getName(), "topic", fastTopic, "count", "2000",
                    "tasks.max", "2"));
            await().atMost(Duration.ofSeconds(30)).until(() -> kafka.endOffset(fastTopic) == 4000);

            GatedConverter.GATE.countDown();
            await().atMost(Duration.ofSeconds(30)).until(() -> kafka.endOffset(slowTopic) == 10);
            assertThat(GatedConverter.THREADS).allMatch(t -> t.startsWith("cr-task-slow-"));
        }
    }
}
