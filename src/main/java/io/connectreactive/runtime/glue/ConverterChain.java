package io.connectreactive.runtime.glue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.connectreactive.config.WorkerConfig;
import io.connectreactive.plugin.LoaderSwap;
import io.connectreactive.plugin.PluginRegistry;
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

    /** Converts a source record into the bytes Kafka stores. */
    public ProducerRecord<byte[], byte[]> toProducerRecord(SourceRecord record) {
        RecordHeaders headers = new RecordHeaders();
        String topic = record.topic();
        for (Header h : record.headers()) {
            try (LoaderSwap s = LoaderSwap.to(headerLoader)) {
                headers.add(new RecordHeader(h.key(), headerConverter.fromConnectHeader(topic, h.key(), h.schema(), h.value())));
            }
        }
        byte[] key = keyEnvelope == null ? null : keyEnvelope.encode(record.keySchema(), record.key());
        if (key == null) {
            try (LoaderSwap s = LoaderSwap.to(keyLoader)) {
                key = keyConverter.fromConnectData(topic, headers, record.keySchema(), record.key());
            }
        }
        byte[] value = valueEnvelope == null ? null : valueEnvelope.encode(record.valueSchema(), record.value());
        if (value == null) {
            try (LoaderSwap s = LoaderSwap.to(valueLoader)) {
                value = valueConverter.fromConnectData(topic, headers, record.valueSchema(), record.value());
            }
        }
        return new ProducerRecord<>(topic, record.kafkaPartition(), timestamp(record.timestamp()), key, value, headers);
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

    /** Converts a consumed record into the record a sink task is given. */
    public SinkRecord toSinkRecord(ConsumerRecord<byte[], byte[]> record) {
        String topic = record.topic();
        SchemaAndValue key = keyEnvelope == null ? null : keyEnvelope.decode(record.key());
        if (key == null) {
            try (LoaderSwap s = LoaderSwap.to(keyLoader)) {
                key = keyConverter.toConnectData(topic, record.headers(), record.key());
            }
        }
        SchemaAndValue value = valueEnvelope == null ? null : valueEnvelope.decode(record.value());
        if (value == null) {
            try (LoaderSwap s = LoaderSwap.to(valueLoader)) {
                value = valueConverter.toConnectData(topic, record.headers(), record.value());
            }
        }
        ConnectHeaders headers = new ConnectHeaders();
        for (org.apache.kafka.common.header.Header h : record.headers()) {
            SchemaAndValue hv;
            try (LoaderSwap s = LoaderSwap.to(headerLoader)) {
                hv = headerConverter.toConnectHeader(topic, h.key(), h.value());
            }
            headers.add(h.key(), hv);
        }
        Long timestamp = record.timestamp() < 0 ? null : record.timestamp();
        return new SinkRecord(topic, record.partition(), key.schema(), key.value(), value.schema(), value.value(),
                record.offset(), timestamp, record.timestampType(), headers);
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
