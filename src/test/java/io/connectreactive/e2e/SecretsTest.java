package io.connectreactive.e2e;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import io.connectreactive.rest.IdleSourceConnector;
import io.connectreactive.testing.KafkaBroker;
import io.connectreactive.testing.TestConnectors;
import io.connectreactive.testing.TestWorker;
import io.vertx.core.json.JsonObject;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.connect.connector.Task;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/** Values of type PASSWORD never appear in clear in error messages or validation results. */
@ExtendWith(KafkaBroker.class)
class SecretsTest {

    private static final String SECRET = "s3cr3t-value";

    /** A connector with a password setting that refuses short values. */
    public static class PasswordSource extends TestConnectors.Source {
        @Override
        public Class<? extends Task> taskClass() {
            return IdleSourceConnector.IdleTask.class;
        }

        @Override
        public ConfigDef config() {
            return new ConfigDef().define("db.password", ConfigDef.Type.PASSWORD, ConfigDef.NO_DEFAULT_VALUE,
                    (name, value) -> {
                        if (value != null && value.toString().length() < 100) {
                            throw new ConfigException(name, value, "too short");
                        }
                    }, ConfigDef.Importance.HIGH, "password");
        }
    }

    @Test
    void rejectedPasswordsAreHiddenInErrorsAndValidation(KafkaBroker kafka, @TempDir Path dir) {
        Map<String, String> config = new HashMap<>(Map.of("connector.class", PasswordSource.class.getName(), "db.password", SECRET));
        try (TestWorker worker = TestWorker.start(kafka, dir, Map.of())) {
            TestWorker.Response create = worker.send("POST", "/connectors",
                    new JsonObject().put("name", "pw").put("config", new JsonObject(new HashMap<>(config))).encode());
            assertThat(create.status()).isEqualTo(400);
            assertThat(create.body()).contains("db.password").doesNotContain(SECRET);

            TestWorker.Response validate = worker.send("PUT", "/connector-plugins/" + PasswordSource.class.getName() + "/config/validate",
                    new JsonObject(new HashMap<>(config)).encode());
            assertThat(validate.status()).isEqualTo(200);
            assertThat(validate.body()).contains("[hidden]").doesNotContain(SECRET);
        }
    }
}
