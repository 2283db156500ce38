package io.connectreactive.connectors.http;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.Json;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.sink.SinkRecord;

/**
 * A record's value as an HTTP body, and as an element of a JSON array.
 *
 * <ul>
 *   <li>{@code byte[]} or {@code ByteBuffer} (ByteArrayConverter): that JSON is embedded as is when the
 *       bytes are one JSON value; otherwise the bytes are the body ({@code application/octet-stream}
 *       unless {@code http.headers} sets a Content-Type) or, in an array, a base64 string.</li>
 *   <li>{@code String} (StringConverter): the body as UTF-8 ({@code text/plain; charset=UTF-8} unless
 *       configured), in an array a JSON string.</li>
 *   <li>anything else (JsonConverter's maps and lists, a {@code Struct} with its schema, numbers,
 *       booleans): JSON, as the JsonConverter writes it with {@code schemas.enable=false} and
 *       decimals as numbers.</li>
 *   <li>null: the empty body, {@code null} in an array ({@code http.null.values=send}).</li>
 * </ul>
 *
 * @param bytes the single-record body, or the array element
 * @param json whether the bytes are JSON (the single body's Content-Type is then {@code application/json})
 * @param text whether the single body is a string
 */
record Body(Buffer bytes, boolean json, boolean text) {

    private static final JsonFactory JSON = new JsonFactory();
    private static final Buffer NULL = Buffer.buffer("null");

    /**
     * Encodes a record's value, for a request of its own ({@code element=false}) or as an array
     * element. Called on the task's context; one converter per task (not thread-safe).
     *
     * @throws DataException when the value cannot be written as JSON
     */
    static Body of(SinkRecord record, boolean element, JsonConverter converter) {
        Object value = record.value();
        if (value == null) {
            return element ? new Body(NULL, true, false) : new Body(Buffer.buffer(), false, false);
        }
        if (value instanceof ByteBuffer bb) {
            ByteBuffer copy = bb.duplicate();
            byte[] bytes = new byte[copy.remaining()];
            copy.get(bytes);
            value = bytes;
        }
        if (value instanceof byte[] bytes) {
            boolean isJson = isJson(bytes);
            if (!element || isJson) {
                return new Body(Buffer.buffer(bytes), isJson, false);
            }
            return new Body(Buffer.buffer(Json.encode(Base64.getEncoder().encodeToString(bytes))), true, false);
        }
        if (value instanceof String s) {
            return element ? new Body(Buffer.buffer(Json.encode(s)), true, false)
                    : new Body(Buffer.buffer(s.getBytes(StandardCharsets.UTF_8)), false, true);
        }
        byte[] json = converter.fromConnectData(record.topic(), record.valueSchema(), value);
        return new Body(Buffer.buffer(json == null ? "null".getBytes(StandardCharsets.US_ASCII) : json), true, false);
    }

    /** The JsonConverter the task writes structured values with. */
    static JsonConverter converter() {
        JsonConverter c = new JsonConverter();
        c.configure(Map.of("schemas.enable", "false", "decimal.format", "NUMERIC"), false);
        return c;
    }

    /** The array body of several elements. */
    static Buffer array(List<Buffer> elements, int size) {
        Buffer out = Buffer.buffer(size);
        out.appendByte((byte) '[');
        for (int i = 0; i < elements.size(); i++) {
            if (i > 0) {
                out.appendByte((byte) ',');
            }
            out.appendBuffer(elements.get(i));
        }
        return out.appendByte((byte) ']');
    }

    /** True when the bytes are exactly one JSON value (whitespace around it allowed). */
    static boolean isJson(byte[] bytes) {
        try (JsonParser p = JSON.createParser(bytes)) {
            if (p.nextToken() == null) {
                return false;
            }
            p.skipChildren();
            return p.nextToken() == null;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }
}
