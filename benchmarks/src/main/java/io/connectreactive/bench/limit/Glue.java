package io.connectreactive.bench.limit;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.connect.connector.ConnectRecord;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.header.ConnectHeaders;
import org.apache.kafka.connect.header.Header;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.storage.Converter;
import org.apache.kafka.connect.storage.ConverterType;
import org.apache.kafka.connect.storage.HeaderConverter;
import org.apache.kafka.connect.transforms.Transformation;
import org.apache.kafka.connect.util.ConnectUtils;

/**
 * One task's key, value and header converters and its transforms, built from the worker's and the
 * connector's settings the way Kafka Connect resolves them (the connector's {@code key.converter}
 * and its {@code key.converter.*} win over the worker's; SimpleHeaderConverter by default), and the
 * record conversions of Kafka Connect's {@code AbstractWorkerSourceTask.convertTransformedRecord}
 * and {@code WorkerSinkTask.convertAndTransformRecord}, without error tolerance, metrics or
 * predicates. Each task's loop thread owns its instance.
 */
public final class Glue<R extends ConnectRecord<R>> {

    private static final String DEFAULT_HEADER_CONVERTER = "org.apache.kafka.connect.storage.SimpleHeaderConverter";

    private final Converter keyConverter;
    private final Converter valueConverter;
    private final HeaderConverter headerConverter;
    private final List<Transformation<R>> transforms;

    private Glue(Converter keyConverter, Converter valueConverter, HeaderConverter headerConverter, List<Transformation<R>> transforms) {
        this.keyConverter = keyConverter;
        this.valueConverter = valueConverter;
        this.headerConverter = headerConverter;
        this.transforms = transforms;
    }

    /** Builds the converters and transforms with {@code loader} (the connector's plugin loader) as the context loader. */
    static <R extends ConnectRecord<R>> Glue<R> create(Map<String, String> worker, Map<String, String> connector, ClassLoader loader) {
        Converter key = newInstance(converterClass("key.converter", worker, connector, null), loader);
        key.configure(converterConfig("key.converter", worker, connector, ConverterType.KEY), true);
        Converter value = newInstance(converterClass("value.converter", worker, connector, null), loader);
        value.configure(converterConfig("value.converter", worker, connector, ConverterType.VALUE), false);
        HeaderConverter header = newInstance(converterClass("header.converter", worker, connector, DEFAULT_HEADER_CONVERTER), loader);
        header.configure(converterConfig("header.converter", worker, connector, ConverterType.HEADER));
        List<Transformation<R>> transforms = new ArrayList<>();
        String aliases = connector.getOrDefault("transforms", "").trim();
        if (!aliases.isEmpty()) {
            AbstractConfig all = new AbstractConfig(new ConfigDef(), connector, false);
            for (String alias : aliases.split("\\s*,\\s*")) {
                String prefix = "transforms." + alias + ".";
                if (connector.containsKey(prefix + "predicate")) {
                    throw new IllegalArgumentException("transform " + alias + ": predicates are not supported by the limit loop");
                }
                Transformation<R> t = newInstance(connector.get(prefix + "type"), loader);
                t.configure(all.originalsWithPrefix(prefix));
                transforms.add(t);
            }
        }
        return new Glue<>(key, value, header, transforms);
    }

    /** The transforms applied in order; null when one of them dropped the record. */
    R transform(R record) {
        R r = record;
        for (Transformation<R> t : transforms) {
            r = t.apply(r);
            if (r == null) {
                return null;
            }
        }
        return r;
    }

    /** Kafka Connect's source record → producer record: headers first, then key and value with them. */
    ProducerRecord<byte[], byte[]> toProducerRecord(SourceRecord record) {
        RecordHeaders headers = new RecordHeaders();
        if (record.headers() != null) {
            for (Header h : record.headers()) {
                headers.add(h.key(), headerConverter.fromConnectHeader(record.topic(), h.key(), h.schema(), h.value()));
            }
        }
        byte[] key = keyConverter.fromConnectData(record.topic(), headers, record.keySchema(), record.key());
        byte[] value = valueConverter.fromConnectData(record.topic(), headers, record.valueSchema(), record.value());
        return new ProducerRecord<>(record.topic(), record.kafkaPartition(), ConnectUtils.checkAndConvertTimestamp(record.timestamp()),
                key, value, headers);
    }

    /** Kafka Connect's consumer record → sink record (key, value, then headers). */
    SinkRecord toSinkRecord(ConsumerRecord<byte[], byte[]> msg) {
        SchemaAndValue key = keyConverter.toConnectData(msg.topic(), msg.headers(), msg.key());
        SchemaAndValue value = valueConverter.toConnectData(msg.topic(), msg.headers(), msg.value());
        ConnectHeaders headers = new ConnectHeaders();
        for (org.apache.kafka.common.header.Header h : msg.headers()) {
            headers.add(h.key(), headerConverter.toConnectHeader(msg.topic(), h.key(), h.value()));
        }
        return new SinkRecord(msg.topic(), msg.partition(), key.schema(), key.value(), value.schema(), value.value(), msg.offset(),
                ConnectUtils.checkAndConvertTimestamp(msg.timestamp()), msg.timestampType(), headers);
    }

    void close() {
        transforms.forEach(Transformation::close);
        try {
            headerConverter.close();
        } catch (java.io.IOException e) {
            // nothing to release
        }
    }

    private static String converterClass(String key, Map<String, String> worker, Map<String, String> connector, String fallback) {
        String c = connector.containsKey(key) ? connector.get(key) : worker.getOrDefault(key, fallback);
        if (c == null) {
            throw new IllegalArgumentException(key + " is set neither for the worker nor for the connector");
        }
        return c;
    }

    /** Plugins.newConverter's configuration: the originals under {@code key.}, from the side that named the class, plus converter.type. */
    private static Map<String, Object> converterConfig(String key, Map<String, String> worker, Map<String, String> connector,
                                                       ConverterType type) {
        Map<String, String> source = connector.containsKey(key) ? connector : worker;
        Map<String, Object> config = new AbstractConfig(new ConfigDef(), source, false).originalsWithPrefix(key + ".");
        config.put("converter.type", type.getName());
        return config;
    }

    @SuppressWarnings("unchecked")
    private static <T> T newInstance(String className, ClassLoader loader) {
        try {
            return (T) Class.forName(className, true, loader).getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException e) {
            throw new IllegalArgumentException("cannot instantiate " + className, e);
        }
    }
}
