package io.connectreactive.connectors.converters;

import java.nio.ByteBuffer;
import java.util.Map;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.storage.Converter;
import org.apache.kafka.connect.storage.HeaderConverter;

/**
 * Passes bytes through unchanged: Kafka Connect's {@code ByteArrayConverter}, which lives in
 * connect-runtime (not a dependency here). The plugin registry maps Kafka Connect's class name
 * {@code org.apache.kafka.connect.converters.ByteArrayConverter} to this class. Stateless and
 * thread-safe.
 */
public final class ByteArrayConverter implements Converter, HeaderConverter {

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
    }

    @Override
    public void configure(Map<String, ?> configs) {
    }

    @Override
    public ConfigDef config() {
        return new ConfigDef();
    }

    @Override
    public byte[] fromConnectData(String topic, Schema schema, Object value) {
        if (schema != null && schema.type() != Schema.Type.BYTES) {
            throw new DataException("Invalid schema type for ByteArrayConverter: " + schema.type());
        }
        if (value != null && !(value instanceof byte[]) && !(value instanceof ByteBuffer)) {
            throw new DataException("ByteArrayConverter is not compatible with objects of type " + value.getClass());
        }
        return value instanceof ByteBuffer b ? bytes(b) : (byte[]) value;
    }

    @Override
    public byte[] fromConnectData(String topic, Headers headers, Schema schema, Object value) {
        return fromConnectData(topic, schema, value);
    }

    @Override
    public SchemaAndValue toConnectData(String topic, byte[] value) {
        return new SchemaAndValue(Schema.OPTIONAL_BYTES_SCHEMA, value);
    }

    @Override
    public SchemaAndValue toConnectHeader(String topic, String headerKey, byte[] value) {
        return toConnectData(topic, value);
    }

    @Override
    public byte[] fromConnectHeader(String topic, String headerKey, Schema schema, Object value) {
        return fromConnectData(topic, schema, value);
    }

    @Override
    public String version() {
        return org.apache.kafka.common.utils.AppInfoParser.getVersion();
    }

    @Override
    public void close() {
    }

    private static byte[] bytes(ByteBuffer b) {
        ByteBuffer d = b.duplicate();
        byte[] out = new byte[d.remaining()];
        d.get(out);
        return out;
    }
}
