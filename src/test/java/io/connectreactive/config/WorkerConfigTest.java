package io.connectreactive.config;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WorkerConfigTest {

    private static WorkerConfig config(String... keyValues) {
        Map<String, String> props = new HashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            props.put(keyValues[i], keyValues[i + 1]);
        }
        return new WorkerConfig(props);
    }

    @Test
    void emptyConfigListensOnLocalhost8083() {
        assertThat(config().listener()).isEqualTo(new WorkerConfig.Listener("127.0.0.1", 8083));
    }

    @Test
    void emptyConfigUsesJsonConvertersAndSimpleHeaderConverter() {
        WorkerConfig c = config();

        assertThat(c.getString(WorkerConfig.KEY_CONVERTER)).isEqualTo("org.apache.kafka.connect.json.JsonConverter");
        assertThat(c.getString(WorkerConfig.VALUE_CONVERTER)).isEqualTo("org.apache.kafka.connect.json.JsonConverter");
        assertThat(c.getString(WorkerConfig.HEADER_CONVERTER)).isEqualTo("org.apache.kafka.connect.storage.SimpleHeaderConverter");
    }

    @Test
    void offsetAndConfigFilesDefaultToTheDataDir() {
        WorkerConfig c = config(WorkerConfig.DATA_DIR, "/var/lib/cr");

        assertThat(c.dataDir()).isEqualTo(Path.of("/var/lib/cr"));
        assertThat(c.offsetFile()).isEqualTo(Path.of("/var/lib/cr/connect.offsets"));
        assertThat(c.configFile()).isEqualTo(Path.of("/var/lib/cr/connect-configs.json"));
    }

    @Test
    void offsetFileDefaultsToDataDirNamedData() {
        assertThat(config().offsetFile()).isEqualTo(Path.of("data", "connect.offsets"));
    }

    @Test
    void explicitOffsetFileIsUsed() {
        WorkerConfig c = config(WorkerConfig.OFFSET_STORAGE_FILE, "/tmp/connect.offsets");

        assertThat(c.offsetFile()).isEqualTo(Path.of("/tmp/connect.offsets"));
    }

    @Test
    void withoutBootstrapServersTheWorkerStartsAnEmbeddedBroker() {
        assertThat(config().embeddedBroker()).isTrue();
        assertThat(config(WorkerConfig.BOOTSTRAP_SERVERS, "").embeddedBroker()).isTrue();
    }

    @Test
    void withBootstrapServersNoEmbeddedBroker() {
        WorkerConfig c = config(WorkerConfig.BOOTSTRAP_SERVERS, "k1:9092,k2:9092");

        assertThat(c.embeddedBroker()).isFalse();
        assertThat(c.bootstrapServers()).isEqualTo("k1:9092,k2:9092");
    }

    @Test
    void withBootstrapServersKeepsEveryOtherSetting() {
        WorkerConfig c = config(WorkerConfig.OFFSET_FLUSH_INTERVAL_MS, "1234", "producer.acks", "1")
                .withBootstrapServers("localhost:1");

        assertThat(c.embeddedBroker()).isFalse();
        assertThat(c.bootstrapServers()).isEqualTo("localhost:1");
        assertThat(c.getLong(WorkerConfig.OFFSET_FLUSH_INTERVAL_MS)).isEqualTo(1234L);
        assertThat(c.withPrefix("producer.")).containsExactly(Map.entry("acks", "1"));
    }

    @Test
    void nonNumericFlushIntervalIsRejectedNamingTheKey() {
        assertThatThrownBy(() -> config(WorkerConfig.OFFSET_FLUSH_INTERVAL_MS, "abc"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("offset.flush.interval.ms")
                .hasMessageContaining("abc");
    }

    @Test
    void zeroFlushIntervalIsRejectedNamingTheKey() {
        assertThatThrownBy(() -> config(WorkerConfig.OFFSET_FLUSH_INTERVAL_MS, "0"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("offset.flush.interval.ms");
    }

    @Test
    void nonHttpListenerIsRejectedNamingTheKey() {
        assertThatThrownBy(() -> config(WorkerConfig.LISTENERS, "ftp://x"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("listeners")
                .hasMessageContaining("ftp://x");
    }

    @Test
    void listenerWithoutPortIsRejected() {
        assertThatThrownBy(() -> config(WorkerConfig.LISTENERS, "http://localhost"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("listeners");
    }

    @Test
    void listenerPortOutOfRangeIsRejectedNamingTheKey() {
        assertThatThrownBy(() -> config(WorkerConfig.LISTENERS, "http://localhost:70000"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("listeners");
        assertThatThrownBy(() -> config(WorkerConfig.LISTENERS, "http://localhost:99999999999"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("listeners");
    }

    @Test
    void emptyListenerHostBindsEveryInterface() {
        assertThat(config(WorkerConfig.LISTENERS, "http://:8084").listener())
                .isEqualTo(new WorkerConfig.Listener("0.0.0.0", 8084));
    }

    @Test
    void firstListenerIsUsed() {
        assertThat(config(WorkerConfig.LISTENERS, "http://host-a:9000, http://host-b:9001").listener())
                .isEqualTo(new WorkerConfig.Listener("host-a", 9000));
    }

    @Test
    void portZeroMeansAnyFreePort() {
        assertThat(config(WorkerConfig.LISTENERS, "http://127.0.0.1:0").listener().port()).isZero();
    }

    @Test
    void emptyConverterIsRejectedNamingTheKey() {
        assertThatThrownBy(() -> config(WorkerConfig.VALUE_CONVERTER, ""))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("value.converter");
    }

    @Test
    void withPrefixReturnsTheSettingsUnderThePrefixWithoutIt() {
        WorkerConfig c = config(
                "value.converter.schemas.enable", "false",
                "value.converter", "org.apache.kafka.connect.json.JsonConverter",
                "key.converter.schemas.enable", "true",
                "producer.linger.ms", "5");

        assertThat(c.withPrefix("value.converter.")).containsExactly(Map.entry("schemas.enable", "false"));
        assertThat(c.withPrefix("producer.")).containsExactly(Map.entry("linger.ms", "5"));
        assertThat(c.withPrefix("consumer.")).isEmpty();
    }

    @Test
    void unknownKeysPassThroughInRawConfig() {
        WorkerConfig c = config("some.client.setting", "x");

        assertThat(c.rawConfig()).containsEntry("some.client.setting", "x");
    }
}
