package io.connectreactive.rest;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.connectreactive.config.WorkerConfig;
import io.connectreactive.testing.KafkaBroker;
import io.connectreactive.testing.TestWorker;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.slf4j.LoggerFactory;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Kafka Connect's exactly-once source settings (KIP-618) over real HTTP against a real standalone worker
 * (which, as Kafka Connect's, has no exactly-once source support) on the shared test broker: a value it cannot honour
 * is a 400 naming the key on create, on {@code PUT} and {@code PATCH /connectors/{name}/config}, and an error on
 * that key in validation; the defaults are accepted. The worker was started with a Kafka Connect
 * setting it ignores, and warned about it once, by name.
 */
@ExtendWith(KafkaBroker.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ExactlyOnceSourceRefusalTest {

    private static final String IDLE = IdleSourceConnector.class.getName();
    private static final String NOT_ENABLED = "this worker does not have exactly-once source support enabled "
            + "(exactly.once.source.support=enabled on a clustered worker)";

    private TestWorker worker;
    private List<String> startWarnings;

    @BeforeAll
    void startWorker(KafkaBroker kafka, @TempDir Path dir) {
        Logger logger = (Logger) LoggerFactory.getLogger(WorkerConfig.class);
        ListAppender<ILoggingEvent> log = new ListAppender<>();
        log.start();
        logger.addAppender(log);
        try {
            worker = TestWorker.start(kafka, dir, Map.of("metrics.sample.window.ms", "10000",
                    "producer.linger.ms", "5", "consumer.max.poll.records", "100", "value.converter.schemas.enable", "false"));
        } finally {
            logger.detachAppender(log);
        }
        synchronized (log.list) {
            startWarnings = log.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
        }
    }

    @AfterAll
    void stopWorker() {
        if (worker != null) {
            worker.close();
        }
    }

    @Test
    void aWorkerStartedWithAnIgnoredKafkaConnectSettingWarnsOnceByName() {
        assertThat(startWarnings).containsExactly("metrics.sample.window.ms is a Kafka Connect setting this runtime does "
                + "not implement; it is ignored (metrics are served by GET /metrics and as Kafka Connect's JMX MBeans (metrics.jmx.enable), "
                + "their rates and averages over a fixed window of 30 to 60 s)");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "exactly.once.support | required | This worker does not have exactly-once source support enabled.",
            "exactly.once.support | REQUIRED | This worker does not have exactly-once source support enabled.",
            "transaction.boundary | interval | Invalid value interval for configuration transaction.boundary: " + NOT_ENABLED
                    + " and defines no transactions; only poll (the default) is accepted",
            "transaction.boundary | connector | Invalid value connector for configuration transaction.boundary: " + NOT_ENABLED
                    + " and defines no transactions",
            "transaction.boundary.interval.ms | 10000 | Invalid value 10000 for configuration transaction.boundary.interval.ms: "
                    + NOT_ENABLED + " and commits no transactions",
            "offsets.storage.topic | my-offsets | Invalid value my-offsets for configuration offsets.storage.topic: a "
                    + "standalone worker keeps every connector's offsets in its offset.storage.file.filename and has no "
                    + "offsets topic per connector",
    })
    void anExactlyOnceSettingThisWorkerCannotHonourIs400NamingIt(String key, String value, String expected) {
        String name = "eos-" + key.replace('.', '-') + "-" + value.toLowerCase(java.util.Locale.ROOT);

        TestWorker.Response created = worker.send("POST", "/connectors", new JsonObject().put("name", name)
                .put("config", config(name).put(key, value)).encode());
        assertRefused(created, expected);
        TestWorker.Response put = worker.send("PUT", "/connectors/" + name + "/config", config(name).put(key, value).encode());
        assertRefused(put, expected);
        assertThat(worker.get("/connectors/" + name).status()).isEqualTo(404);

        // an existing connector: the update is refused and its config stays as it was
        TestWorker.Response plain = worker.send("POST", "/connectors", new JsonObject().put("name", name)
                .put("config", config(name)).encode());
        assertThat(plain.status()).as(plain.body()).isEqualTo(201);
        assertRefused(worker.send("PUT", "/connectors/" + name + "/config", config(name).put(key, value).encode()), expected);
        assertRefused(worker.send("PATCH", "/connectors/" + name + "/config", new JsonObject().put(key, value).encode()), expected);
        assertThat(worker.get("/connectors/" + name + "/config").json().containsKey(key)).isFalse();
        assertThat(worker.send("DELETE", "/connectors/" + name, null).status()).isEqualTo(204);
    }

    @Test
    void theDefaultsAreAcceptedAsKafkaConnectAcceptsThemWithoutExactlyOnceSupport() {
        String name = "eos-defaults";
        TestWorker.Response created = worker.send("POST", "/connectors", new JsonObject().put("name", name)
                .put("config", config(name).put("exactly.once.support", "requested").put("transaction.boundary", "poll")).encode());
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        assertThat(worker.send("DELETE", "/connectors/" + name, null).status()).isEqualTo(204);
    }

    @Test
    void validationShowsTheErrorsOnTheKeysAndNoneOnTheDefaults() {
        JsonObject infos = worker.send("PUT", "/connector-plugins/" + IDLE + "/config/validate",
                config("eos-validate").put("exactly.once.support", "required").put("transaction.boundary", "interval").encode()).json();

        assertThat(infos.getInteger("error_count")).as(infos.encode()).isEqualTo(3);
        assertThat(infos.getJsonArray("groups").getList()).contains("Exactly Once Support", "offsets.topic");
        // Kafka Connect's message on a worker without exactly-once support, then, as Kafka Connect, the connector's answer
        // (IdleSourceConnector does not override exactlyOnceSupport: null)
        assertThat(errors(infos, "exactly.once.support")).hasSize(2).first().isEqualTo("This worker does not have exactly-once "
                + "source support enabled.");
        assertThat(errors(infos, "exactly.once.support").get(1)).asString().startsWith("The connector does not implement the API "
                + "required for preflight validation of exactly-once source support.");
        assertThat(errors(infos, "transaction.boundary")).containsExactly("Invalid value interval for configuration "
                + "transaction.boundary: " + NOT_ENABLED + " and defines no transactions; only poll (the default) is accepted");
        assertThat(errors(infos, "transaction.boundary.interval.ms")).isEmpty();
        assertThat(errors(infos, "offsets.storage.topic")).isEmpty();

        JsonObject defaults = worker.send("PUT", "/connector-plugins/" + IDLE + "/config/validate",
                config("eos-validate").encode()).json();
        assertThat(defaults.getInteger("error_count")).as(defaults.encode()).isZero();
        assertThat(value(defaults, "exactly.once.support").getString("value")).isEqualTo("requested");
        assertThat(value(defaults, "transaction.boundary").getString("value")).isEqualTo("poll");
    }

    @Test
    void theFencingEndpointFailsAsKafkaConnectsStandaloneWorkerDoes() {
        TestWorker.Response r = worker.send("PUT", "/connectors/anything/fence", null);
        assertThat(r.status()).isEqualTo(500);
        assertThat(r.json().getString("message")).isEqualTo("Kafka Connect in standalone mode does not support exactly-once "
                + "source connectors.");
    }

    @Test
    void aValueKafkaConnectRejectsIsRejectedWithKafkaConnectsMessage() {
        JsonObject infos = worker.send("PUT", "/connector-plugins/" + IDLE + "/config/validate",
                config("eos-bad").put("exactly.once.support", "maybe").encode()).json();
        assertThat(errors(infos, "exactly.once.support")).singleElement().asString()
                .startsWith("Invalid value maybe for configuration exactly.once.support: String must be one of");
    }

    private static JsonObject config(String name) {
        return new JsonObject().put("connector.class", IDLE).put("name", name).put("tasks.max", "1");
    }

    private static void assertRefused(TestWorker.Response r, String expected) {
        assertThat(r.status()).as(r.body()).isEqualTo(400);
        JsonObject body = r.json();
        assertThat(body.fieldNames()).containsExactlyInAnyOrder("error_code", "message");
        assertThat(body.getInteger("error_code")).isEqualTo(400);
        assertThat(body.getString("message")).contains(expected);
    }

    private static JsonObject value(JsonObject infos, String key) {
        JsonArray configs = infos.getJsonArray("configs");
        for (int i = 0; i < configs.size(); i++) {
            JsonObject value = configs.getJsonObject(i).getJsonObject("value");
            if (key.equals(value.getString("name"))) {
                return value;
            }
        }
        throw new AssertionError("no entry for " + key + " in " + infos.encode());
    }

    private static List<Object> errors(JsonObject infos, String key) {
        return value(infos, key).getJsonArray("errors").getList();
    }
}
