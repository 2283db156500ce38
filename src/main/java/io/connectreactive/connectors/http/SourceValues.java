package io.connectreactive.connectors.http;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.source.SourceRecord;

/**
 * How the HTTP source turns a body (a webhook's, or a polled one or one of its array elements) into
 * a record's key and value, per {@code http.value.format} and {@code http.key.json.field}. Stateless
 * apart from its configuration: any thread.
 */
final class SourceValues {

    private final HttpSourceConfig config;

    SourceValues(HttpSourceConfig config) {
        this.config = config;
    }

    /** Whether the body must be parsed as JSON: for a JSON value or a key from a JSON field. */
    boolean needsJson() {
        return config.valueFormat == HttpSourceConfig.ValueFormat.JSON || config.keyJsonField != null;
    }

    /**
     * The record of one body. {@code parsed} is the body as Vert.x JSON when {@link #needsJson}
     * (else ignored); {@code key} a key already chosen (a header's value), or null to take it from
     * the JSON field.
     *
     * @throws DecodeException when the value must be JSON and the body is not
     */
    SourceRecord record(Buffer body, Object parsed, String key, Map<String, ?> partition, Map<String, ?> offset) {
        Object value;
        Schema valueSchema;
        switch (config.valueFormat) {
            case BYTES -> {
                value = body.getBytes();
                valueSchema = Schema.BYTES_SCHEMA;
            }
            case JSON -> {
                value = plain(parsed);
                valueSchema = null;
            }
            default -> {
                value = body.toString(StandardCharsets.UTF_8);
                valueSchema = Schema.STRING_SCHEMA;
            }
        }
        if (key == null && config.keyJsonField != null && parsed instanceof JsonObject o && o.containsKey(config.keyJsonField)) {
            Object k = o.getValue(config.keyJsonField);
            key = k == null ? null : k instanceof String s ? s : Json.encode(k);
        }
        return new SourceRecord(partition, offset, config.topic, null, key == null ? null : Schema.OPTIONAL_STRING_SCHEMA, key,
                valueSchema, value, System.currentTimeMillis());
    }

    /** The body as Vert.x JSON (object, array, string, number, boolean or null). @throws DecodeException if it is not JSON */
    static Object parse(Buffer body) {
        return Json.decodeValue(body);
    }

    /** A Vert.x JSON value as Connect's schemaless values: maps, lists, strings, numbers, booleans. */
    static Object plain(Object json) {
        if (json instanceof JsonObject o) {
            Map<String, Object> m = new LinkedHashMap<>();
            o.forEach(e -> m.put(e.getKey(), plain(e.getValue())));
            return m;
        }
        if (json instanceof JsonArray a) {
            List<Object> l = new ArrayList<>(a.size());
            a.forEach(v -> l.add(plain(v)));
            return l;
        }
        if (json instanceof Map<?, ?> m) {
            return plain(new JsonObject(new LinkedHashMap<>(castMap(m))));
        }
        if (json instanceof List<?> l) {
            return plain(new JsonArray(new ArrayList<>(l)));
        }
        return json;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> castMap(Map<?, ?> m) {
        return (Map<String, Object>) m;
    }
}
