package io.connectreactive.connectors.file;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.connectreactive.api.ReactiveSinkTask;
import io.connectreactive.api.ReactiveSourceTask;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.Config;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.ConfigValue;
import org.apache.kafka.connect.errors.ConnectException;
import org.junit.jupiter.api.Test;

class FileStreamConnectorsTest {

    private static final Map<String, String> SOURCE_PROPS = Map.of(
            "connector.class", FileStreamSourceConnector.class.getName(), "file", "/tmp/in.txt", "topic", "lines");

    @Test
    void sourceTaskConfigsHoldOneConfigWithFileAndTopicWhateverMaxTasks() {
        FileStreamSourceConnector connector = new FileStreamSourceConnector();
        connector.start(SOURCE_PROPS);

        List<Map<String, String>> configs = connector.taskConfigs(5);

        assertThat(configs).hasSize(1);
        assertThat(configs.get(0)).containsEntry("file", "/tmp/in.txt").containsEntry("topic", "lines");
        configs.get(0).put("task.class", "x"); // runtimes may add keys to what they are given
    }

    @Test
    void sourceConfigRejectsMissingTopic() {
        FileStreamSourceConnector connector = new FileStreamSourceConnector();

        Config validated = connector.validate(Map.of("file", "/tmp/in.txt"));

        assertThat(errors(validated, "topic")).isNotEmpty();
        assertThat(errors(validated, "file")).isEmpty();
        assertThatThrownBy(() -> connector.start(Map.of("file", "/tmp/in.txt"))).isInstanceOf(ConfigException.class);
    }

    @Test
    void sourceConfigRejectsEmptyTopicAndTopicLists() {
        FileStreamSourceConnector connector = new FileStreamSourceConnector();

        assertThat(errors(connector.validate(Map.of("topic", "")), "topic")).isNotEmpty();
        assertThat(errors(connector.validate(Map.of("topic", "a,b")), "topic")).anySatisfy(
                message -> assertThat(message).contains("single topic"));
    }

    @Test
    void sourceConfigAllowsMissingFileForStandardInputAndDefaultsBatchSize() {
        FileStreamSourceConnector connector = new FileStreamSourceConnector();

        Config validated = connector.validate(Map.of("topic", "lines"));

        assertThat(validated.configValues()).allSatisfy(value -> assertThat(value.errorMessages()).isEmpty());
        assertThat(FileStreamSourceConnector.CONFIG_DEF.parse(Map.of("topic", "lines")))
                .containsEntry("batch.size", 2000)
                .containsEntry("max.line.length", 1024 * 1024)
                .containsEntry("file", null);
    }

    @Test
    void sourceConfigDocumentsAndBoundsMaxLineLength() {
        FileStreamSourceConnector connector = new FileStreamSourceConnector();

        assertThat(connector.config().configKeys().get("max.line.length").documentation).contains("skipped");
        assertThat(errors(connector.validate(Map.of("topic", "lines", "max.line.length", "0")), "max.line.length")).isNotEmpty();
        assertThat(FileStreamSourceConnector.CONFIG_DEF.parse(Map.of("topic", "lines", "max.line.length", "4096")))
                .containsEntry("max.line.length", 4096);
    }

    @Test
    void sourceConfigRejectsNonIntegerBatchSize() {
        Config validated = new FileStreamSourceConnector().validate(Map.of("topic", "lines", "batch.size", "many"));

        assertThat(errors(validated, "batch.size")).isNotEmpty();
    }

    @Test
    void configDefinitionsCannotBeChangedThroughConfig() {
        new FileStreamSourceConnector().config().define("extra", ConfigDef.Type.STRING, ConfigDef.Importance.LOW, "added by a caller");

        assertThat(new FileStreamSourceConnector().config().names()).containsExactlyInAnyOrder("file", "topic", "batch.size", "max.line.length");
        assertThat(new FileStreamSinkConnector().config().names()).containsExactly("file");
    }

    @Test
    void connectorsRunNativeReactiveTasks() {
        assertThat(ReactiveSourceTask.class).isAssignableFrom(new FileStreamSourceConnector().taskClass());
        assertThat(ReactiveSinkTask.class).isAssignableFrom(new FileStreamSinkConnector().taskClass());
    }

    @Test
    void connectorsReportTheProjectVersion() {
        assertThat(new FileStreamSourceConnector().version()).isEqualTo("0.1.0");
        assertThat(new FileStreamSinkConnector().version()).isEqualTo("0.1.0");
    }

    @Test
    void sourceAcceptsValidOffsetAlterationsAndTombstones() {
        Map<Map<String, ?>, Map<String, ?>> offsets = new HashMap<>();
        offsets.put(Map.of("filename", "/tmp/in.txt"), Map.of("position", 30L));
        offsets.put(Map.of("filename", "/tmp/old.txt"), Map.of("position", 7));
        offsets.put(Map.of("filename", "/tmp/gone.txt"), null);

        assertThat(new FileStreamSourceConnector().alterOffsets(SOURCE_PROPS, offsets)).isTrue();
    }

    @Test
    void sourceRejectsInvalidOffsetAlterations() {
        FileStreamSourceConnector connector = new FileStreamSourceConnector();

        assertThatThrownBy(() -> connector.alterOffsets(SOURCE_PROPS, Map.of(Map.of("filename", "f"), Map.of("position", -1L))))
                .isInstanceOf(ConnectException.class).hasMessageContaining("non-negative");
        assertThatThrownBy(() -> connector.alterOffsets(SOURCE_PROPS, Map.of(Map.of("filename", "f"), Map.of("position", "10"))))
                .isInstanceOf(ConnectException.class).hasMessageContaining("incorrect type");
        assertThatThrownBy(() -> connector.alterOffsets(SOURCE_PROPS, Map.of(Map.of("filename", "f"), Map.of("offset", 10L))))
                .isInstanceOf(ConnectException.class).hasMessageContaining("position");
        assertThatThrownBy(() -> connector.alterOffsets(SOURCE_PROPS, Map.of(Map.of("file", "f"), Map.of("position", 10L))))
                .isInstanceOf(ConnectException.class).hasMessageContaining("filename");
        assertThatThrownBy(() -> connector.alterOffsets(Map.of("topic", "lines"), Map.of(Map.of("filename", "f"), Map.of("position", 1L))))
                .isInstanceOf(ConnectException.class).hasMessageContaining("stdin");
    }

    @Test
    void sinkTaskConfigsHoldOneConfigWhateverMaxTasks() {
        FileStreamSinkConnector connector = new FileStreamSinkConnector();
        connector.start(Map.of("file", "/tmp/out.txt", "topics", "lines"));

        List<Map<String, String>> configs = connector.taskConfigs(3);

        assertThat(configs).hasSize(1);
        assertThat(configs.get(0)).containsEntry("file", "/tmp/out.txt").containsEntry("topics", "lines");
    }

    @Test
    void sinkConfigAllowsMissingFileForStandardOutput() {
        Config validated = new FileStreamSinkConnector().validate(Map.of("topics", "lines"));

        assertThat(validated.configValues()).allSatisfy(value -> assertThat(value.errorMessages()).isEmpty());
    }

    @Test
    void sinkAllowsAlteringConsumerOffsets() {
        assertThat(new FileStreamSinkConnector().alterOffsets(Map.of(), Map.of(new TopicPartition("t", 0), 5L))).isTrue();
    }

    @Test
    void taskConfigsBeforeStartAreAnError() {
        assertThatThrownBy(() -> new FileStreamSourceConnector().taskConfigs(1)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> new FileStreamSinkConnector().taskConfigs(1)).isInstanceOf(IllegalStateException.class);
    }

    private static List<String> errors(Config config, String name) {
        return config.configValues().stream()
                .filter(value -> value.name().equals(name))
                .map(ConfigValue::errorMessages)
                .findFirst()
                .orElseThrow();
    }
}
