package io.connectreactive.config;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

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
    void taskThreadsAreVirtualByDefaultOnlyWhereTheJvmNoLongerPinsThemInSynchronizedCode() {
        int java = Runtime.version().feature();
        assertThat(config().getString(WorkerConfig.TASK_THREADS)).isEqualTo("auto");
        assertThat(io.connectreactive.runtime.exec.ThreadKind.of("auto")).isEqualTo(java >= 24
                ? io.connectreactive.runtime.exec.ThreadKind.AUTO : io.connectreactive.runtime.exec.ThreadKind.PLATFORM);
        assertThat(io.connectreactive.runtime.exec.ThreadKind.of("platform")).isEqualTo(io.connectreactive.runtime.exec.ThreadKind.PLATFORM);
        if (java < 21) {
            assertThatThrownBy(() -> config(WorkerConfig.TASK_THREADS, "virtual"))
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining(WorkerConfig.TASK_THREADS)
                    .hasMessageContaining("needs Java 21 or later; this JVM is Java " + java);
        } else {
            assertThat(config(WorkerConfig.TASK_THREADS, "virtual").getString(WorkerConfig.TASK_THREADS)).isEqualTo("virtual");
        }
        assertThatThrownBy(() -> config(WorkerConfig.TASK_THREADS, "green"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("must be auto, platform or virtual, not green");
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
    void aFencedWorkerStopsItsTasksBeforeTheOthersRemoveIt() {
        // 5 s failure timeout: 2.5 s to fence + 0.25 s check + 1 s to stop leaves 0.25 s before the earliest removal (4 s)
        assertThat(config().fenceStopMs()).isEqualTo(1_000);
        assertThat(config(WorkerConfig.CLUSTER_FAILURE_TIMEOUT_S, "10", WorkerConfig.CLUSTER_FENCE_TIMEOUT_MS, "3000").fenceStopMs())
                .isEqualTo(5_500);
        assertThat(config(WorkerConfig.CLUSTER_FENCE_TIMEOUT_MS, "3000").fenceStopMs()).isEqualTo(500);
        assertThatThrownBy(() -> config(WorkerConfig.CLUSTER_FENCE_TIMEOUT_MS, "3001"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("at most");
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

    @Test
    void restBindsLoopbackOnlyUnlessConfigured() {
        assertThat(config().listeners()).containsExactly(new WorkerConfig.Listener("http", "127.0.0.1", 8083));
        assertThat(WorkerConfig.CONFIG_DEF.configKeys().get(WorkerConfig.LISTENERS).defaultValue)
                .isEqualTo(java.util.List.of("http://127.0.0.1:8083"));
    }

    @Test
    void listenersMayMixHttpAndHttps() {
        assertThat(config(WorkerConfig.LISTENERS, "https://127.0.0.1:8443, http://localhost:0,HTTP://[::1]:8085").listeners())
                .containsExactly(new WorkerConfig.Listener("https", "127.0.0.1", 8443), new WorkerConfig.Listener("http", "localhost", 0),
                        new WorkerConfig.Listener("http", "::1", 8085));
    }

    @Test
    void adminListenersAreUnsetEmptyOrAList() {
        assertThat(config().adminListeners()).isNull();
        assertThat(config(WorkerConfig.ADMIN_LISTENERS, "").adminListeners()).isEmpty();
        assertThat(config(WorkerConfig.ADMIN_LISTENERS, "https://127.0.0.1:9443").adminListeners())
                .containsExactly(new WorkerConfig.Listener("https", "127.0.0.1", 9443));
        assertThatThrownBy(() -> config(WorkerConfig.ADMIN_LISTENERS, "127.0.0.1:9443"))
                .isInstanceOf(ConfigException.class).hasMessageContaining(WorkerConfig.ADMIN_LISTENERS);
    }

    @Test
    void theRestMaxBodyDefaultsTo10MiB() {
        assertThat(config().getLong(WorkerConfig.REST_MAX_BODY_BYTES)).isEqualTo(10L * 1024 * 1024);
    }

    @Test
    void clientsGetTheTopLevelSecuritySettingsAndTheirPrefixedOnesOverThem() {
        WorkerConfig c = config(WorkerConfig.BOOTSTRAP_SERVERS, "b:9092",
                "security.protocol", "SASL_SSL", "sasl.mechanism", "PLAIN", "sasl.jaas.config", "x required;",
                "ssl.truststore.location", "/t.jks", "ssl.client.auth", "required",
                "consumer.sasl.mechanism", "SCRAM-SHA-512", "producer.linger.ms", "5", "offset.flush.interval.ms", "100");
        Map<String, Object> consumer = c.clientConfig("consumer.", org.apache.kafka.clients.consumer.ConsumerConfig.configNames());
        assertThat(consumer).containsEntry("bootstrap.servers", "b:9092").containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("sasl.mechanism", "SCRAM-SHA-512").containsEntry("sasl.jaas.config", "x required;")
                .containsEntry("ssl.truststore.location", "/t.jks")
                .doesNotContainKeys("ssl.client.auth", "offset.flush.interval.ms", "linger.ms");
        Map<String, Object> producer = c.clientConfig("producer.", org.apache.kafka.clients.producer.ProducerConfig.configNames());
        assertThat(producer).containsEntry("sasl.mechanism", "PLAIN").containsEntry("linger.ms", "5");
        Map<String, Object> admin = c.clientConfig("admin.", org.apache.kafka.clients.admin.AdminClientConfig.configNames());
        assertThat(admin).containsEntry("security.protocol", "SASL_SSL").containsEntry("sasl.mechanism", "PLAIN");
    }

    @Test
    void passwordTypedSecuritySettingsAreHiddenInConfigErrors() {
        assertThat(WorkerConfig.CONFIG_DEF.configKeys().get("sasl.jaas.config").type).isEqualTo(org.apache.kafka.common.config.ConfigDef.Type.PASSWORD);
        assertThat(WorkerConfig.CONFIG_DEF.configKeys().get("ssl.keystore.password").type).isEqualTo(org.apache.kafka.common.config.ConfigDef.Type.PASSWORD);
        assertThat(config("ssl.key.password", "p4ss").getPassword("ssl.key.password").toString()).isEqualTo("[hidden]");
    }

    @Test
    void internalTopicsDefaultToKafkaConnectsSampleNamesAndTheBrokersReplicationFactor() {
        WorkerConfig c = config();
        assertThat(c.groupId()).isEqualTo("connect-cluster");
        assertThat(c.internalTopic(WorkerConfig.CONFIG_STORAGE_PREFIX))
                .isEqualTo(new WorkerConfig.InternalTopic("connect-configs", 1, (short) -1, Map.of()));
        assertThat(c.internalTopic(WorkerConfig.OFFSET_STORAGE_PREFIX))
                .isEqualTo(new WorkerConfig.InternalTopic("connect-offsets", 25, (short) -1, Map.of()));
        assertThat(c.internalTopic(WorkerConfig.STATUS_STORAGE_PREFIX))
                .isEqualTo(new WorkerConfig.InternalTopic("connect-status", 5, (short) -1, Map.of()));
    }

    @Test
    void internalTopicsTakeKafkaConnectsKeysAndTopicLevelSettingsButNeverTheirCleanupPolicy() {
        WorkerConfig c = config("offset.storage.topic", "my-offsets", "offset.storage.partitions", "50",
                "offset.storage.replication.factor", "3", "offset.storage.min.insync.replicas", "2",
                "offset.storage.cleanup.policy", "delete", "offset.storage.file.filename", "/tmp/x",
                "config.storage.partitions", "7");
        assertThat(c.internalTopic(WorkerConfig.OFFSET_STORAGE_PREFIX))
                .isEqualTo(new WorkerConfig.InternalTopic("my-offsets", 50, (short) 3, Map.of("min.insync.replicas", "2")));
        assertThat(c.internalTopic(WorkerConfig.CONFIG_STORAGE_PREFIX).partitions()).as("always one").isEqualTo(1);
    }

    @Test
    void aReplicationFactorOfZeroIsRejectedNamingTheKey() {
        assertThatThrownBy(() -> config("status.storage.replication.factor", "0"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("status.storage.replication.factor");
        assertThatThrownBy(() -> config("offset.storage.partitions", "-2"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("offset.storage.partitions");
    }

    @Test
    void internalTopicClientsGetOnlyTheTopLevelClientSettings() {
        WorkerConfig c = config("bootstrap.servers", "b:9092", "security.protocol", "SASL_SSL",
                "producer.security.protocol", "PLAINTEXT", "producer.linger.ms", "50");
        Map<String, Object> internal = c.clientConfig(null, org.apache.kafka.clients.producer.ProducerConfig.configNames());
        assertThat(internal).containsEntry("security.protocol", "SASL_SSL").containsEntry("bootstrap.servers", "b:9092")
                .doesNotContainKey("linger.ms");
    }

    @ParameterizedTest
    @CsvSource({"enabled,true", "ENABLED,true", "' preparing ',false", "Preparing,false", "disabled,false", "DISABLED,false"})
    void aClusteredWorkerAcceptsEveryExactlyOnceSourceSupportValueCaseInsensitively(String value, boolean enabled) {
        WorkerConfig c = config(WorkerConfig.GROUP_ID, "connect-cluster", WorkerConfig.EXACTLY_ONCE_SOURCE_SUPPORT, value);
        assertThat(c.exactlyOnceSourceEnabled()).isEqualTo(enabled);
        assertThat(UnimplementedSettings.warnings(Map.of(WorkerConfig.GROUP_ID, "c", WorkerConfig.EXACTLY_ONCE_SOURCE_SUPPORT, value),
                true)).isEmpty();
    }

    @Test
    void aStandaloneWorkerNeverRunsExactlyOnceWhateverItsSetting() {
        WorkerConfig c = new WorkerConfig(Map.of(WorkerConfig.EXACTLY_ONCE_SOURCE_SUPPORT, "enabled"));
        assertThat(c.exactlyOnceSourceEnabled()).isFalse();
        assertThat(config().exactlyOnceSourceEnabled()).isFalse();
    }

    @Test
    void aClusteredWorkerAcceptsExactlyOnceSourceSupportDisabledAndRejectsAnUnknownValueAsKafkaConnectDoes() {
        assertThat(config(WorkerConfig.GROUP_ID, "c", WorkerConfig.EXACTLY_ONCE_SOURCE_SUPPORT, "disabled")
                .getString(WorkerConfig.EXACTLY_ONCE_SOURCE_SUPPORT)).isEqualTo("disabled");
        assertThat(UnimplementedSettings.warnings(Map.of(WorkerConfig.GROUP_ID, "c",
                WorkerConfig.EXACTLY_ONCE_SOURCE_SUPPORT, "DISABLED"), true)).isEmpty();
        assertThatThrownBy(() -> config(WorkerConfig.GROUP_ID, "c", WorkerConfig.EXACTLY_ONCE_SOURCE_SUPPORT, "sometimes"))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("Invalid value sometimes for configuration exactly.once.source.support: String must be one of");
    }

    @Test
    void aStandaloneWorkerIgnoresExactlyOnceSourceSupportAsKafkaConnectsDoesWithAWarning() {
        Map<String, String> props = Map.of(WorkerConfig.EXACTLY_ONCE_SOURCE_SUPPORT, "enabled");
        assertThat(new WorkerConfig(props).clustered()).isFalse();
        assertThat(UnimplementedSettings.warnings(props, false)).containsExactly("exactly.once.source.support is a setting of "
                + "Kafka Connect's distributed workers; a standalone worker ignores it, as Kafka Connect's does: standalone "
                + "workers cannot provide exactly-once semantics");
        assertThat(UnimplementedSettings.warnings(Map.of(WorkerConfig.EXACTLY_ONCE_SOURCE_SUPPORT, "disabled"), false)).isEmpty();
    }

    @Test
    void sinkTasksShareAConsumerPerConnectorOnlyOnAStandaloneWorker() {
        assertThat(config().getString(WorkerConfig.SINK_CONSUMERS)).isEqualTo("auto");
        assertThat(config(WorkerConfig.SINK_CONSUMERS, "connector").getString(WorkerConfig.SINK_CONSUMERS)).isEqualTo("connector");
        assertThat(new WorkerConfig(Map.of(WorkerConfig.GROUP_ID, "c", WorkerConfig.SINK_CONSUMERS, "task")).clustered()).isTrue();
        assertThatThrownBy(() -> new WorkerConfig(Map.of(WorkerConfig.GROUP_ID, "c", WorkerConfig.SINK_CONSUMERS, "connector")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("runtime.sink.consumers").hasMessageContaining("is for standalone workers");
        assertThatThrownBy(() -> config(WorkerConfig.SINK_CONSUMERS, "thread"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("runtime.sink.consumers");
    }

    @Test
    void warnsOncePerKafkaConnectSettingThatIsSetAndIgnored() {
        Map<String, String> props = Map.of(WorkerConfig.GROUP_ID, "c", "scheduled.rebalance.max.delay.ms", "0",
                "metric.reporters", "com.example.Reporter", "retry.backoff.ms", "10");
        assertThat(new WorkerConfig(props).clustered()).isTrue();
        assertThat(UnimplementedSettings.warnings(props, true)).containsExactly(
                "metric.reporters is a Kafka Connect setting this runtime does not implement; it is ignored (metrics are "
                        + "served by GET /metrics and as Kafka Connect's JMX MBeans (metrics.jmx.enable), their rates and "
                        + "averages over a fixed window of 30 to 60 s)",
                "retry.backoff.ms is a Kafka Connect setting this runtime does not implement; it is ignored (set it under "
                        + "producer., consumer. or admin. for the clients it should reach)",
                "scheduled.rebalance.max.delay.ms is a Kafka Connect setting this runtime does not implement; it is ignored "
                        + "(cluster membership runs over Hazelcast: see runtime.cluster.*; a lost worker's connectors and tasks "
                        + "move after runtime.cluster.failure.timeout.seconds)");
        // a distributed worker's key on a standalone worker: Kafka Connect's standalone worker ignores it too
        assertThat(UnimplementedSettings.warnings(Map.of("session.timeout.ms", "10000"), false)).containsExactly(
                "session.timeout.ms is a setting of Kafka Connect's distributed workers; a standalone worker ignores it, "
                        + "as Kafka Connect's does");
    }

    @Test
    void noWarningForSettingsPassedOnToClientsConvertersAndConfigProviders() {
        Map<String, String> props = new HashMap<>();
        for (String key : List.of("producer.retry.backoff.ms", "consumer.request.timeout.ms", "admin.client.dns.lookup",
                "producer.override.linger.ms", "ssl.truststore.type", "sasl.mechanism", "security.protocol",
                "key.converter.schemas.enable", "value.converter.plugin.version", "header.converter.plugin.version",
                "config.providers", "listeners.https.ssl.client.auth", "offset.storage.min.insync.replicas",
                "plugin.discovery", "topic.creation.enable", "exactly.once.source.support")) {
            props.put(key, "x");
        }
        props.put("exactly.once.source.support", "disabled");
        assertThat(UnimplementedSettings.warnings(props, true)).isEmpty();
        assertThat(UnimplementedSettings.warnings(props, false)).isEmpty();
    }

    @Test
    void theWorkerCopyWithTheEmbeddedBrokersAddressDoesNotWarnAgain() {
        ch.qos.logback.classic.Logger logger = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(WorkerConfig.class);
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> log = new ch.qos.logback.core.read.ListAppender<>();
        log.start();
        logger.addAppender(log);
        try {
            config("metrics.num.samples", "3").withBootstrapServers("127.0.0.1:9092");
        } finally {
            logger.detachAppender(log);
        }
        assertThat(log.list).extracting(e -> e.getFormattedMessage()).singleElement().asString()
                .startsWith("metrics.num.samples is a Kafka Connect setting this runtime does not implement; it is ignored");
    }

    @Test
    void settingsWhoseIgnoringWouldLoseAGuaranteeAreRefusedNamingTheKey() {
        assertThatThrownBy(() -> config("response.http.headers.config", "add Strict-Transport-Security: max-age=31536000"))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("Invalid value add Strict-Transport-Security: max-age=31536000 for configuration "
                        + "response.http.headers.config: this runtime does not implement it");
        assertThatThrownBy(() -> config("admin.listeners.https.ssl.client.auth", "required"))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("Invalid value required for configuration admin.listeners.https.ssl.client.auth: "
                        + "this runtime does not implement admin.listeners.https.*");
        assertThatThrownBy(() -> config("admin.listeners.https.ssl.keystore.password", "hush-1234"))
                .isInstanceOf(ConfigException.class).hasMessageNotContaining("hush-1234")
                .hasMessageContaining("admin.listeners.https.ssl.keystore.password");
        assertThat(config("response.http.headers.config", "").listener()).isNotNull();
    }

    @Test
    void everyKafkaConnectWorkerKeyIsDeclaredHonouredRefusedOrWarnedAbout() {
        // Kafka Connect 4.3.1's own worker configs (connect-runtime on the classpath) list every key they define
        Map<String, String> converters = Map.of("key.converter", WorkerConfig.JSON_CONVERTER, "value.converter",
                WorkerConfig.JSON_CONVERTER, "bootstrap.servers", "b:9092");
        Map<String, String> distributed = new HashMap<>(converters);
        distributed.putAll(Map.of("group.id", "g", "config.storage.topic", "c", "offset.storage.topic", "o", "status.storage.topic", "s"));
        Map<String, String> standalone = new HashMap<>(converters);
        standalone.put("offset.storage.file.filename", "f");
        java.util.Set<String> kafkaConnect = new java.util.TreeSet<>(
                new org.apache.kafka.connect.runtime.distributed.DistributedConfig(distributed).values().keySet());
        kafkaConnect.addAll(new org.apache.kafka.connect.runtime.standalone.StandaloneConfig(standalone).values().keySet());
        assertThat(kafkaConnect).as("every key warned about or refused is Kafka Connect's").containsAll(UnimplementedSettings.keys());

        kafkaConnect.removeAll(WorkerConfig.CONFIG_DEF.configKeys().keySet());
        kafkaConnect.removeAll(UnimplementedSettings.keys());
        // honoured without a declaration: ConfigProviders reads config.providers, ConverterChain the worker's converter versions
        kafkaConnect.removeAll(List.of(ConfigProviders.CONFIG_PROVIDERS, "key.converter.plugin.version",
                "value.converter.plugin.version", "header.converter.plugin.version"));
        assertThat(kafkaConnect).as("Kafka Connect worker keys neither declared, honoured, refused nor warned about").isEmpty();
    }
}
