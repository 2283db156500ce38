package io.connectreactive.runtime.glue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.connectreactive.config.WorkerConfig;
import io.connectreactive.plugin.LoaderSwap;
import io.connectreactive.plugin.PluginRegistry;
import io.connectreactive.runtime.errors.ErrantSinkRecord;
import io.connectreactive.runtime.errors.ErrorHandler;
import io.connectreactive.runtime.errors.Stage;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.header.ConnectHeaders;
import org.apache.kafka.connect.header.Header;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.storage.Converter;
import org.apache.kafka.connect.storage.HeaderConverter;

/**
 * A connector's key, value and header converters, and the two translations between connect-api
 * records and Kafka's byte records. Converters are taken from the connector config when it names
 * them ({@code value.converter} with its {@code value.converter.*} settings) and from the worker's
 * otherwise, each configured with the prefixed settings of the config that named it.
 *
 * <p>One instance per task, used only on that task's context (converters are not assumed
 * thread-safe).
 */
public final class ConverterChain {

    /** Kafka's {@code RecordBatch.NO_TIMESTAMP}, internal to kafka-clients since 4.x. */
    private static final long NO_TIMESTAMP = -1L;

    private final Converter keyConverter;
    private final Converter valueConverter;
    private final HeaderConverter headerConverter;

    /** The plugin loaders the converters' calls run under (their own, so plugin.path converters see their classes). */
    private final ClassLoader keyLoader;
    private final ClassLoader valueLoader;
    private final ClassLoader headerLoader;
    /** Fast paths for plain strings through JsonConverter (null for other converters). */
    private final StringEnvelope keyEnvelope;
    private final StringEnvelope valueEnvelope;

    public ConverterChain(Converter keyConverter, Converter valueConverter, HeaderConverter headerConverter) {
        this.keyConverter = keyConverter;
        this.valueConverter = valueConverter;
        this.headerConverter = headerConverter;
        this.keyLoader = keyConverter.getClass().getClassLoader();
        this.valueLoader = valueConverter.getClass().getClassLoader();
        this.headerLoader = headerConverter.getClass().getClassLoader();
        try (LoaderSwap s = LoaderSwap.to(keyLoader)) {
            this.keyEnvelope = StringEnvelope.of(keyConverter);
        }
        try (LoaderSwap s = LoaderSwap.to(valueLoader)) {
            this.valueEnvelope = StringEnvelope.of(valueConverter);
        }
    }

    /** Builds and configures the converters for a connector. */
    public static ConverterChain create(PluginRegistry plugins, WorkerConfig worker, Map<String, String> connectorConfig) {
        Converter key = plugins.newPlugin(plugins.converterClass(pick(worker, connectorConfig, WorkerConfig.KEY_CONVERTER),
                version(worker, connectorConfig, WorkerConfig.KEY_CONVERTER)));
        try (LoaderSwap s = plugins.swap(key.getClass())) {
            key.configure(settings(worker, connectorConfig, WorkerConfig.KEY_CONVERTER), true);
        }
        Converter value = plugins.newPlugin(plugins.converterClass(pick(worker, connectorConfig, WorkerConfig.VALUE_CONVERTER),
                version(worker, connectorConfig, WorkerConfig.VALUE_CONVERTER)));
        try (LoaderSwap s = plugins.swap(value.getClass())) {
            value.configure(settings(worker, connectorConfig, WorkerConfig.VALUE_CONVERTER), false);
        }
        HeaderConverter header = plugins.newPlugin(
                plugins.headerConverterClass(pick(worker, connectorConfig, WorkerConfig.HEADER_CONVERTER),
                        version(worker, connectorConfig, WorkerConfig.HEADER_CONVERTER)));
        try (LoaderSwap s = plugins.swap(header.getClass())) {
            header.configure(settings(worker, connectorConfig, WorkerConfig.HEADER_CONVERTER));
        }
        return new ConverterChain(key, value, header);
    }

    /** The converter class name: the connector's if it sets one, else the worker's. */
    static String pick(WorkerConfig worker, Map<String, String> connectorConfig, String key) {
        String own = connectorConfig.get(key);
        return own != null && !own.isBlank() ? own.trim() : worker.getString(key);
    }

    /**
     * The converter's {@code <key>.plugin.version} (KIP-891) from the config that names the converter:
     * the connector's when it names its own, else the worker's; null for the newest.
     */
    public static String version(WorkerConfig worker, Map<String, String> connectorConfig, String key) {
        String own = connectorConfig.get(key);
        String versionKey = key + ".plugin.version";
        if (own != null && !own.isBlank()) {
            return connectorConfig.get(versionKey);
        }
        Object workers = worker.originals().get(versionKey);
        return workers == null ? null : workers.toString();
    }

    /**
     * The settings under {@code key + "."} from the config that names the converter: the
     * connector's when it names its own, else the worker's. As in Kafka Connect, a connector's
     * {@code value.converter.*} settings are ignored unless it also sets {@code value.converter}.
     */
    static Map<String, Object> settings(WorkerConfig worker, Map<String, String> connectorConfig, String key) {
        String prefix = key + ".";
        String own = connectorConfig.get(key);
        if (own == null || own.isBlank()) {
            return new HashMap<>(worker.withPrefix(prefix));
        }
        Map<String, Object> out = new HashMap<>();
        connectorConfig.forEach((k, v) -> {
            if (k.startsWith(prefix)) {
                out.put(k.substring(prefix.length()), v);
            }
        });
        return out;
    }

    /** Converts a source record into the bytes Kafka stores; errors propagate as they are. */
    public ProducerRecord<byte[], byte[]> toProducerRecord(SourceRecord record) {
        return toProducerRecord(record, ErrorHandler.DIRECT);
    }

    /** Converts a source record into the bytes Kafka stores, each converter as one stage of {@code guard}. */
    public ProducerRecord<byte[], byte[]> toProducerRecord(SourceRecord record, ErrorHandler.Guard guard) {
        RecordHeaders headers = new RecordHeaders();
        String topic = record.topic();
        if (record.headers().size() > 0) {
            guard.run(Stage.HEADER_CONVERTER, headerConverter.getClass(), () -> {
                for (Header h : record.headers()) {
                    try (LoaderSwap s = LoaderSwap.to(headerLoader)) {
                        headers.add(new RecordHeader(h.key(), headerConverter.fromConnectHeader(topic, h.key(), h.schema(), h.value())));
                    }
                }
                return null;
            });
        }
        byte[] key = guard.run(Stage.KEY_CONVERTER, keyConverter.getClass(), () -> {
            byte[] k = keyEnvelope == null ? null : keyEnvelope.encode(record.keySchema(), record.key());
            if (k == null) {
                try (LoaderSwap s = LoaderSwap.to(keyLoader)) {
                    k = keyConverter.fromConnectData(topic, headers, record.keySchema(), record.key());
                }
            }
            return k;
        });
        byte[] value = guard.run(Stage.VALUE_CONVERTER, valueConverter.getClass(), () -> {
            byte[] v = valueEnvelope == null ? null : valueEnvelope.encode(record.valueSchema(), record.value());
            if (v == null) {
                try (LoaderSwap s = LoaderSwap.to(valueLoader)) {
                    v = valueConverter.fromConnectData(topic, headers, record.valueSchema(), record.value());
                }
            }
            return v;
        });
        return new ProducerRecord<>(topic, record.kafkaPartition(), timestamp(record.timestamp()), key, value, headers);
    }

    /**
     * The bytes of a sink record (one the task reports that did not come from our converters):
     * the converters run backwards, as Kafka Connect's {@code WorkerErrantRecordReporter} does.
     */
    public ConsumerRecord<byte[], byte[]> toConsumerRecord(SinkRecord record) {
        String topic = record.originalTopic();
        RecordHeaders headers = new RecordHeaders();
        for (Header h : record.headers()) {
            try (LoaderSwap s = LoaderSwap.to(headerLoader)) {
                headers.add(new RecordHeader(h.key(), headerConverter.fromConnectHeader(topic, h.key(), h.schema(), h.value())));
            }
        }
        byte[] key;
        try (LoaderSwap s = LoaderSwap.to(keyLoader)) {
            key = keyConverter.fromConnectData(topic, headers, record.keySchema(), record.key());
        }
        byte[] value;
        try (LoaderSwap s = LoaderSwap.to(valueLoader)) {
            value = valueConverter.fromConnectData(topic, headers, record.valueSchema(), record.value());
        }
        long ts = record.timestamp() == null ? NO_TIMESTAMP : record.timestamp();
        return new ConsumerRecord<>(topic, record.originalKafkaPartition(), record.originalKafkaOffset(), ts,
                record.timestampType(), -1, -1, key, value, headers, Optional.empty());
    }

    /**
     * Kafka Connect's {@code checkAndConvertTimestamp}: {@code RecordBatch.NO_TIMESTAMP} (-1) means
     * none, other negative timestamps are invalid.
     */
    private static Long timestamp(Long timestamp) {
        if (timestamp == null || timestamp >= 0) {
            return timestamp;
        }
        if (timestamp == NO_TIMESTAMP) {
            return null;
        }
        throw new InvalidRecordException("Invalid record timestamp " + timestamp);
    }

    /** Converts a consumed record into the record a sink task is given; errors propagate as they are. */
    public SinkRecord toSinkRecord(ConsumerRecord<byte[], byte[]> record) {
        return toSinkRecord(record, ErrorHandler.DIRECT);
    }

    /**
     * Converts a consumed record into the record a sink task is given, each converter as one stage
     * of {@code guard}. The record remembers the consumed one ({@link ErrantSinkRecord}).
     */
    public SinkRecord toSinkRecord(ConsumerRecord<byte[], byte[]> record, ErrorHandler.Guard guard) {
        String topic = record.topic();
        SchemaAndValue key = guard.run(Stage.KEY_CONVERTER, keyConverter.getClass(), () -> {
            SchemaAndValue k = keyEnvelope == null ? null : keyEnvelope.decode(record.key());
            if (k == null) {
                try (LoaderSwap s = LoaderSwap.to(keyLoader)) {
                    k = keyConverter.toConnectData(topic, record.headers(), record.key());
                }
            }
            return k;
        });
        SchemaAndValue value = guard.run(Stage.VALUE_CONVERTER, valueConverter.getClass(), () -> {
            SchemaAndValue v = valueEnvelope == null ? null : valueEnvelope.decode(record.value());
            if (v == null) {
                try (LoaderSwap s = LoaderSwap.to(valueLoader)) {
                    v = valueConverter.toConnectData(topic, record.headers(), record.value());
                }
            }
            return v;
        });
        ConnectHeaders headers = new ConnectHeaders();
        if (record.headers().iterator().hasNext()) {
            guard.run(Stage.HEADER_CONVERTER, headerConverter.getClass(), () -> {
                for (org.apache.kafka.common.header.Header h : record.headers()) {
                    SchemaAndValue hv;
                    try (LoaderSwap s = LoaderSwap.to(headerLoader)) {
                        hv = headerConverter.toConnectHeader(topic, h.key(), h.value());
                    }
                    headers.add(h.key(), hv);
                }
                return null;
            });
        }
        Long timestamp = record.timestamp() < 0 ? null : record.timestamp();
        return new ErrantSinkRecord(record, topic, record.partition(), key.schema(), key.value(), value.schema(), value.value(),
                record.offset(), timestamp, record.timestampType(), headers, topic, record.partition(), record.offset());
    }

    /** Converts a batch of consumed records. */
    public List<SinkRecord> toSinkRecords(Iterable<ConsumerRecord<byte[], byte[]>> records) {
        List<SinkRecord> out = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : records) {
            out.add(toSinkRecord(r));
        }
        return out;
    }
}
