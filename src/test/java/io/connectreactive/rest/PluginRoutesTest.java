package io.connectreactive.rest;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import io.connectreactive.config.WorkerConfig;
import io.connectreactive.plugin.TestPlugins;
import io.connectreactive.testing.KafkaBroker;
import io.connectreactive.testing.TestWorker;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.apache.kafka.common.utils.AppInfoParser;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code /connector-plugins} over real HTTP: the listing (connectors only, or every kind), a
 * plugin's config keys, and validation as Kafka Connect's ConfigInfos, with plugins from the class
 * path and from plugin.path; every error as Kafka Connect's error body.
 */
@ExtendWith(KafkaBroker.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PluginRoutesTest {

    private static final String KAFKA_SINK = "org.apache.kafka.connect.file.FileStreamSinkConnector";
    private static final String KAFKA_SOURCE = "org.apache.kafka.connect.file.FileStreamSourceConnector";
    private static final String VERSION = AppInfoParser.getVersion();

    private TestWorker worker;

    @BeforeAll
    void startWorker(KafkaBroker kafka, @TempDir Path dir) {
        Path libPlugins = TestPlugins.buildLibraryVersionPlugins(dir.resolve("build"));
        worker = TestWorker.start(kafka, dir.resolve("worker"), Map.of(WorkerConfig.PLUGIN_PATH,
                TestPlugins.kafkaPluginPath() + "," + libPlugins));
    }

    @AfterAll
    void stopWorker() {
        if (worker != null) {
            worker.close();
        }
    }

    // ---------------------------------------------------------------- GET /connector-plugins

    @Test
    void listShowsOnlyConnectorsByDefaultFromClassPathAndPluginPath() {
        TestWorker.Response r = worker.get("/connector-plugins");
        assertThat(r.status()).isEqualTo(200);
        List<JsonObject> plugins = objects(r);
        assertThat(plugins).extracting(p -> p.getString("type")).containsOnly("source", "sink");
        assertThat(plugins).allSatisfy(p -> assertThat(p.fieldNames()).containsAnyOf("class").isSubsetOf("class", "type", "version"));
        Map<String, JsonObject> byClass = plugins.stream().collect(Collectors.toMap(p -> p.getString("class"), p -> p, (a, b) -> a));
        assertThat(byClass.get(KAFKA_SOURCE)).isEqualTo(new JsonObject().put("class", KAFKA_SOURCE).put("type", "source").put("version", VERSION));
        assertThat(byClass.get(KAFKA_SINK).getString("type")).isEqualTo("sink");
        assertThat(byClass.get(TestPlugins.OLD_CONNECTOR).getString("version")).isEqualTo("4.7.5");
        assertThat(byClass.get(TestPlugins.NEW_CONNECTOR).getString("version")).isEqualTo("4.7.6");
        assertThat(byClass).containsKey("io.connectreactive.connectors.file.FileStreamSourceConnector");
        assertThat(worker.get("/connector-plugins?connectorsOnly=true").body()).isEqualTo(r.body());
    }

    @Test
    void listWithConnectorsOnlyFalseAddsConvertersHeaderConvertersTransformationsPredicatesAndConfigProviders() {
        TestWorker.Response r = worker.get("/connector-plugins?connectorsOnly=false");
        assertThat(r.status()).isEqualTo(200);
        List<JsonObject> plugins = objects(r);
        assertThat(plugins).extracting(p -> p.getString("type"))
                .contains("source", "sink", "converter", "header_converter", "transformation", "predicate", "configprovider");
        assertThat(plugins).anySatisfy(p -> assertThat(p.getString("class"))
                .isEqualTo("org.apache.kafka.common.config.provider.FileConfigProvider"));
        assertThat(plugins).contains(
                new JsonObject().put("class", "org.apache.kafka.connect.json.JsonConverter").put("type", "converter").put("version", VERSION),
                new JsonObject().put("class", "org.apache.kafka.connect.transforms.Cast$Value").put("type", "transformation").put("version", VERSION),
                new JsonObject().put("class", "org.apache.kafka.connect.transforms.predicates.TopicNameMatches").put("type", "predicate").put("version", VERSION));
        // a class of two kinds is listed once per kind
        assertThat(plugins).filteredOn(p -> p.getString("class").equals("org.apache.kafka.connect.storage.StringConverter"))
                .extracting(p -> p.getString("type")).containsExactlyInAnyOrder("converter", "header_converter");
        // a plugin reporting no version has no version field
        assertThat(plugins).filteredOn(p -> p.getString("class").equals(TestPlugins.NEW_TRANSFORMATION))
                .singleElement().satisfies(p -> assertThat(p.containsKey("version")).isFalse());
        // connectors first
        int lastConnector = 0;
        for (int i = 0; i < plugins.size(); i++) {
            if (List.of("source", "sink").contains(plugins.get(i).getString("type"))) {
                lastConnector = i;
            }
        }
        assertThat(plugins.subList(0, lastConnector + 1)).allMatch(p -> List.of("source", "sink").contains(p.getString("type")));
    }

    // ---------------------------------------------------------------- GET /connector-plugins/{plugin}/config

    @ParameterizedTest
    @ValueSource(strings = {KAFKA_SOURCE, "FileStreamSourceConnector", "FileStreamSource"})
    void configOfAConnectorListsTheCommonKeysAndItsOwn(String plugin) {
        TestWorker.Response r = worker.get("/connector-plugins/" + plugin + "/config");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        List<JsonObject> keys = objects(r);
        assertThat(keys).extracting(k -> k.getString("name"))
                .startsWith("name", "connector.class", "tasks.max")
                .contains("key.converter", "value.converter", "header.converter", "transforms", "predicates", "file", "topic", "batch.size")
                .doesNotHaveDuplicates();
        JsonObject tasksMax = keys.stream().filter(k -> k.getString("name").equals("tasks.max")).findFirst().orElseThrow();
        assertThat(tasksMax).isEqualTo(new JsonObject().put("name", "tasks.max").put("type", "INT").put("required", false)
                .put("default_value", "1").put("importance", "HIGH")
                .put("documentation", "Maximum number of tasks to use for this connector.")
                .put("group", "Common").put("order_in_group", 3).put("width", "SHORT").put("display_name", "Tasks max")
                .put("dependents", new JsonArray()));
        JsonObject name = keys.get(0);
        assertThat(name.getBoolean("required")).isTrue();
        assertThat(name.getValue("default_value")).isNull();
    }

    @Test
    void configOfASinkConnectorIncludesTopics() {
        assertThat(objects(worker.get("/connector-plugins/FileStreamSink/config"))).extracting(k -> k.getString("name"))
                .contains("topics", "topics.regex", "file");
    }

    @Test
    void configOfConvertersTransformationsAndPredicatesListsTheirOwnKeys() {
        assertThat(objects(worker.get("/connector-plugins/JsonConverter/config"))).extracting(k -> k.getString("name"))
                .contains("schemas.enable", "decimal.format").doesNotContain("connector.class");
        assertThat(objects(worker.get("/connector-plugins/org.apache.kafka.connect.transforms.Cast%24Value/config")))
                .extracting(k -> k.getString("name")).contains("spec");
        assertThat(objects(worker.get("/connector-plugins/TopicNameMatches/config")))
                .extracting(k -> k.getString("name")).containsExactly("pattern");
    }

    @Test
    void configOfAPluginFromPluginPathIsReadUnderItsLoader() {
        assertThat(objects(worker.get("/connector-plugins/" + TestPlugins.OLD_CONNECTOR + "/config")))
                .extracting(k -> k.getString("name")).contains("connector.class", "topic");
    }

    @Test
    void configOfAnUnknownPluginIs404() {
        TestWorker.Response r = worker.get("/connector-plugins/com.example.NoSuchPlugin/config");
        assertError(r, 404);
        assertThat(r.json().getString("message")).contains("com.example.NoSuchPlugin");
    }

    // ---------------------------------------------------------------- PUT /connector-plugins/{plugin}/config/validate

    @Test
    void validateAnswersConfigInfosWithTheErrors() {
        TestWorker.Response r = worker.send("PUT", "/connector-plugins/FileStreamSinkConnector/config/validate",
                new JsonObject().put("connector.class", KAFKA_SINK).put("name", "s").put("tasks.max", "0").encode());
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        JsonObject infos = r.json();
        assertThat(infos.fieldNames()).containsExactlyInAnyOrder("name", "error_count", "groups", "configs");
        assertThat(infos.getString("name")).isEqualTo(KAFKA_SINK);
        assertThat(infos.getInteger("error_count")).isEqualTo(2);
        assertThat(infos.getJsonArray("groups").getList()).startsWith("Common").contains("Transforms", "Predicates");
        Map<String, JsonObject> configs = configs(infos);
        assertThat(configs.keySet()).startsWith("name", "connector.class", "tasks.max").contains("topics", "topics.regex", "file");
        JsonObject tasksMax = configs.get("tasks.max");
        assertThat(tasksMax.getJsonObject("definition").fieldNames()).containsExactlyInAnyOrder("name", "type", "required",
                "default_value", "importance", "documentation", "group", "order_in_group", "width", "display_name", "dependents");
        assertThat(tasksMax.getJsonObject("value")).isEqualTo(new JsonObject().put("name", "tasks.max").put("value", "0")
                .put("recommended_values", new JsonArray()).put("errors", new JsonArray().add("Invalid value 0 for configuration tasks.max: Value must be at least 1"))
                .put("visible", true));
        assertThat(configs.get("topics").getJsonObject("value").getJsonArray("errors").getList())
                .containsExactly("Must configure one of topics or topics.regex");
        assertThat(configs.get("name").getJsonObject("value").getString("value")).isEqualTo("s");
        assertThat(configs.get("file").getJsonObject("value").getJsonArray("errors").getList()).isEmpty();
    }

    @Test
    void validateOfAValidConfigHasNoErrors() {
        TestWorker.Response r = worker.send("PUT", "/connector-plugins/FileStreamSource/config/validate",
                new JsonObject().put("connector.class", "FileStreamSource").put("name", "ok").put("topic", "t")
                        .put("file", "/tmp/in.txt").put("tasks.max", 1).encode());
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.json().getInteger("error_count")).isZero();
        assertThat(configs(r.json()).get("tasks.max").getJsonObject("value").getString("value")).isEqualTo("1");
    }

    @Test
    void validateReportsTheConnectorsOwnErrorsAndAnUnknownConverter() {
        TestWorker.Response r = worker.send("PUT", "/connector-plugins/" + TestPlugins.NEW_CONNECTOR + "/config/validate",
                new JsonObject().put("connector.class", TestPlugins.NEW_CONNECTOR).put("name", "x")
                        .put("value.converter", "com.example.NoSuchConverter").encode());
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        Map<String, JsonObject> configs = configs(r.json());
        assertThat(r.json().getInteger("error_count")).isEqualTo(2);
        assertThat(configs.get("topic").getJsonObject("value").getJsonArray("errors").getList()).singleElement()
                .asString().contains("topic");
        assertThat(configs.get("value.converter").getJsonObject("value").getJsonArray("errors").getList()).singleElement()
                .asString().contains("com.example.NoSuchConverter");
    }

    @Test
    void validateWithAConnectorClassNotMatchingThePathIs400() {
        TestWorker.Response r = worker.send("PUT", "/connector-plugins/FileStreamSink/config/validate",
                new JsonObject().put("connector.class", KAFKA_SOURCE).put("name", "x").encode());
        assertError(r, 400);
        assertThat(r.json().getString("message"))
                .isEqualTo("Included connector type " + KAFKA_SOURCE + " does not match request type FileStreamSink");
    }

    @Test
    void validateOfAnUnknownPluginIs404() {
        TestWorker.Response r = worker.send("PUT", "/connector-plugins/NoSuchConnector/config/validate",
                new JsonObject().put("connector.class", "com.example.NoSuchConnector").encode());
        assertError(r, 404);
        assertThat(r.json().getString("message")).contains("NoSuchConnector");
    }

    @Test
    void validateWithoutConnectorClassIs400() {
        TestWorker.Response r = worker.send("PUT", "/connector-plugins/FileStreamSource/config/validate",
                new JsonObject().put("name", "x").encode());
        assertError(r, 400);
        assertThat(r.json().getString("message")).endsWith("contains no connector type");
    }

    @ParameterizedTest(name = "body [{0}]")
    @ValueSource(strings = {"", "[]", "{\"connector.class\": ", "\"text\"", "{\"connector.class\": {\"a\": 1}}"})
    void validateWithABodyThatIsNotAConfigIs400(String body) {
        assertError(worker.send("PUT", "/connector-plugins/FileStreamSource/config/validate", body), 400);
    }

    private static List<JsonObject> objects(TestWorker.Response r) {
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return new JsonArray(r.body()).stream().map(JsonObject.class::cast).toList();
    }

    private static Map<String, JsonObject> configs(JsonObject infos) {
        Map<String, JsonObject> out = new java.util.LinkedHashMap<>();
        infos.getJsonArray("configs").forEach(c -> out.put(((JsonObject) c).getJsonObject("value").getString("name"), (JsonObject) c));
        return out;
    }

    private static void assertError(TestWorker.Response r, int status) {
        assertThat(r.status()).as(r.body()).isEqualTo(status);
        JsonObject body = r.json();
        assertThat(body.fieldNames()).containsExactlyInAnyOrder("error_code", "message");
        assertThat(body.getInteger("error_code")).isEqualTo(status);
    }
}
