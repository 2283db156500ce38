package io.connectreactive.storage.file;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.connectreactive.model.TargetState;
import io.connectreactive.storage.ConfigStore.ConnectorEntry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

class FileConfigStoreTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final Map<String, String> SOURCE = Map.of(
            "connector.class", "FileStreamSource", "file", "/tmp/in.txt", "topic", "lines");
    private static final Map<String, String> SINK = Map.of(
            "connector.class", "FileStreamSink", "file", "/tmp/out.txt", "topics", "lines");

    private static Vertx vertx;

    @TempDir
    Path dir;

    @BeforeAll
    static void startVertx() {
        vertx = Vertx.vertx();
    }

    @AfterAll
    static void closeVertx() {
        vertx.close().await();
    }

    private Path file() {
        return dir.resolve("connect-configs.json");
    }

    private FileConfigStore started() {
        FileConfigStore store = new FileConfigStore(vertx, file());
        await(store.start());
        return store;
    }

    private static <T> T await(Future<T> future) {
        return assertThat(future.toCompletionStage()).succeedsWithin(TIMEOUT).actual();
    }

    private static Throwable failure(Future<?> future) {
        assertThat(future.toCompletionStage()).failsWithin(TIMEOUT);
        return future.cause();
    }

    @Test
    void startsEmptyWithoutAFile() {
        assertThat(started().connectors()).isEmpty();
        assertThat(file()).doesNotExist();
    }

    @Test
    void putConnectorSurvivesANewInstance() {
        await(started().putConnector("src", SOURCE, TargetState.STARTED));

        assertThat(started().connectors())
                .containsExactly(Map.entry("src", new ConnectorEntry(SOURCE, TargetState.STARTED, List.of())));
    }

    @Test
    void updatedConfigReplacesTheOldOneAndKeepsTaskConfigs() {
        FileConfigStore store = started();
        await(store.putConnector("src", SOURCE, TargetState.STARTED));
        await(store.putTaskConfigs("src", List.of(Map.of("file", "/tmp/in.txt"))));
        Map<String, String> updated = Map.of("connector.class", "FileStreamSource", "file", "/tmp/other.txt", "topic", "lines");

        await(store.putConnector("src", updated, TargetState.STARTED));

        ConnectorEntry reloaded = started().connectors().get("src");
        assertThat(reloaded.config()).isEqualTo(updated);
        assertThat(reloaded.taskConfigs()).containsExactly(Map.of("file", "/tmp/in.txt"));
    }

    @Test
    void targetStateSurvivesANewInstance() {
        FileConfigStore store = started();
        await(store.putConnector("src", SOURCE, TargetState.STARTED));
        await(store.putConnector("sink", SINK, TargetState.STARTED));

        await(store.putTargetState("src", TargetState.PAUSED));
        await(store.putTargetState("sink", TargetState.STOPPED));

        Map<String, ConnectorEntry> reloaded = started().connectors();
        assertThat(reloaded.get("src").targetState()).isEqualTo(TargetState.PAUSED);
        assertThat(reloaded.get("sink").targetState()).isEqualTo(TargetState.STOPPED);
        assertThat(reloaded.get("src").config()).isEqualTo(SOURCE);
    }

    @Test
    void connectorCreatedPausedStaysPaused() {
        await(started().putConnector("src", SOURCE, TargetState.PAUSED));

        assertThat(started().connectors().get("src").targetState()).isEqualTo(TargetState.PAUSED);
    }

    @Test
    void taskConfigsSurviveANewInstanceInOrder() {
        FileConfigStore store = started();
        await(store.putConnector("sink", SINK, TargetState.STARTED));
        List<Map<String, String>> tasks = List.of(Map.of("task", "0", "topics", "lines"), Map.of("task", "1", "topics", "lines"));

        await(store.putTaskConfigs("sink", tasks));

        assertThat(started().connectors().get("sink").taskConfigs()).isEqualTo(tasks);
    }

    @Test
    void removedConnectorIsGoneAfterANewInstance() {
        FileConfigStore store = started();
        await(store.putConnector("src", SOURCE, TargetState.STARTED));
        await(store.putConnector("sink", SINK, TargetState.STARTED));

        await(store.removeConnector("src"));

        assertThat(store.connectors()).containsOnlyKeys("sink");
        assertThat(started().connectors()).containsOnlyKeys("sink");
    }

    @Test
    void connectorsKeepCreationOrderAcrossInstances() {
        FileConfigStore store = started();
        for (String name : List.of("zeta", "alpha", "mid", "beta")) {
            await(store.putConnector(name, SOURCE, TargetState.STARTED));
        }

        assertThat(started().connectors().keySet()).containsExactly("zeta", "alpha", "mid", "beta");
    }

    @Test
    void targetStateOrTaskConfigsOfAnUnknownConnectorFail() {
        FileConfigStore store = started();

        assertThat(failure(store.putTargetState("nope", TargetState.PAUSED))).hasMessageContaining("nope");
        assertThat(failure(store.putTaskConfigs("nope", List.of()))).hasMessageContaining("nope");
        assertThat(store.connectors()).isEmpty();
    }

    @Test
    void fileIsReadableJsonKeyedByConnectorName() throws Exception {
        FileConfigStore store = started();
        await(store.putConnector("src", SOURCE, TargetState.PAUSED));
        await(store.putTaskConfigs("src", List.of(Map.of("file", "/tmp/in.txt"))));

        JsonNode json = new ObjectMapper().readTree(file().toFile());

        assertThat(json.get("src").get("config").get("connector.class").asText()).isEqualTo("FileStreamSource");
        assertThat(json.get("src").get("targetState").asText()).isEqualTo("PAUSED");
        assertThat(json.get("src").get("tasks").get(0).get("file").asText()).isEqualTo("/tmp/in.txt");
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("connect-configs.json");
        }
    }

    @Test
    void handWrittenFileWithOnlyConfigsStartsConnectorsWithoutTasks() throws Exception {
        Files.writeString(file(), """
                {"src": {"config": {"connector.class": "FileStreamSource", "file": "/tmp/in.txt", "topic": "lines"}}}
                """);

        assertThat(started().connectors())
                .containsExactly(Map.entry("src", new ConnectorEntry(SOURCE, TargetState.STARTED, List.of())));
    }

    @Test
    void corruptFileFailsStartNamingTheFile() throws Exception {
        Files.writeString(file(), "{ not json");

        Throwable cause = failure(new FileConfigStore(vertx, file()).start());

        assertThat(cause.getMessage()).contains(file().toString());
    }
}
