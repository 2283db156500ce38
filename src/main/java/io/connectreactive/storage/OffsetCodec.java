package io.connectreactive.storage;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.json.JsonConverterConfig;

/**
 * Kafka Connect's serialized form of source offsets, shared by every backend: the key is the JSON
 * array {@code ["<connector>", {partition}]}, the value the JSON map of the offset (JsonConverter
 * with schemas disabled), so offset files and topics written by Kafka Connect can be read and vice
 * versa. Thread-safe (JsonConverter is once configured).
 */
public final class OffsetCodec {

    private final JsonConverter converter = new JsonConverter();

    public OffsetCodec() {
        converter.configure(Map.of(JsonConverterConfig.SCHEMAS_ENABLE_CONFIG, "false"), true);
    }

    public ByteBuffer key(String connector, Map<String, ?> partition) {
        return ByteBuffer.wrap(converter.fromConnectData("", null, List.of(connector, partition)));
    }

    /**
     * The key with the partition's fields in sorted order: equal for equal partitions whatever the
     * iteration order of the map they came in (a {@code Map.of} changes order from one JVM to the
     * next), so lookups do not depend on it.
     */
    public ByteBuffer canonicalKey(String connector, Map<String, ?> partition) {
        return key(connector, new TreeMap<>(partition));
    }

    /** The canonical form of a stored key, or null when it is not Kafka Connect's format. */
    public ByteBuffer canonicalKey(ByteBuffer storedKey) {
        Key k = decodeKey(storedKey);
        return k == null ? null : canonicalKey(k.connector(), k.partition());
    }

    public ByteBuffer value(Map<String, ?> offset) {
        return offset == null ? null : ByteBuffer.wrap(converter.fromConnectData("", null, offset));
    }

    /**
     * Decodes a key into its connector name and partition, or null when it is not Kafka Connect's
     * two-element array, or not JSON at all (such keys are ignored, as Kafka Connect ignores them).
     */
    @SuppressWarnings("unchecked")
    public Key decodeKey(ByteBuffer key) {
        if (key == null) {
            return null;
        }
        SchemaAndValue decoded;
        try {
            decoded = converter.toConnectData("", bytes(key));
        } catch (DataException e) {
            return null;
        }
        if (decoded.value() instanceof List<?> list && list.size() == 2
                && list.get(0) instanceof String name && list.get(1) instanceof Map<?, ?> partition) {
            return new Key(name, (Map<String, Object>) partition);
        }
        return null;
    }

    @SuppressWarnings("unchecked")
    public Map<String, Object> decodeValue(ByteBuffer value) {
        if (value == null) {
            return null;
        }
        Object decoded = converter.toConnectData("", bytes(value)).value();
        return decoded instanceof Map<?, ?> map ? (Map<String, Object>) map : null;
    }

    private static byte[] bytes(ByteBuffer buffer) {
        ByteBuffer b = buffer.duplicate();
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    /** A decoded offset key. */
    public record Key(String connector, Map<String, Object> partition) {
    }
}
