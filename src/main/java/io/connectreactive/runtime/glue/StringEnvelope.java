package io.connectreactive.runtime.glue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.storage.Converter;

/**
 * A fast path through Kafka's JsonConverter for the commonest record of all, a plain string
 * (what FileStreamSource and most line-oriented sources produce): the bytes are the converter's own
 * template, learned once by asking the converter itself, with the string in the middle. Output is
 * byte for byte what JsonConverter writes; anything the template cannot reproduce exactly (a string
 * that needs JSON escaping, another schema, another converter) goes through the converter as usual.
 *
 * <p>Why: per record, JsonConverter builds a Jackson tree for the envelope and serializes it, which
 * was a third of a source task's event-loop time in profiles. Not thread-safe: one per task, like
 * the converter it shortcuts.
 */
final class StringEnvelope {

    private static final String JSON_CONVERTER = "org.apache.kafka.connect.json.JsonConverter";

    private final Converter converter;
    /** Templates for Schema.STRING_SCHEMA, Schema.OPTIONAL_STRING_SCHEMA and no schema. */
    private final Template[] templates = new Template[3];

    private StringEnvelope(Converter converter) {
        this.converter = converter;
        templates[0] = learn(Schema.STRING_SCHEMA);
        templates[1] = learn(Schema.OPTIONAL_STRING_SCHEMA);
        templates[2] = learn(null);
    }

    /** The fast path for {@code converter}, or null when it is not Kafka's JsonConverter. */
    static StringEnvelope of(Converter converter) {
        return converter != null && JSON_CONVERTER.equals(converter.getClass().getName()) ? new StringEnvelope(converter) : null;
    }

    /** The converter's bytes for a string value, or null when the converter must be asked. */
    byte[] encode(Schema schema, Object value) {
        if (!(value instanceof String s)) {
            return null;
        }
        Template t = schema == Schema.STRING_SCHEMA ? templates[0]
                : schema == Schema.OPTIONAL_STRING_SCHEMA ? templates[1]
                : schema == null ? templates[2] : null;
        if (t == null || !plain(s)) {
            return null;
        }
        byte[] middle = s.getBytes(StandardCharsets.UTF_8);
        byte[] out = Arrays.copyOf(t.prefix, t.prefix.length + middle.length + t.suffix.length);
        System.arraycopy(middle, 0, out, t.prefix.length, middle.length);
        System.arraycopy(t.suffix, 0, out, t.prefix.length + middle.length, t.suffix.length);
        return out;
    }

    /** What the converter reads from {@code bytes} when they hold a plain string, or null when it must be asked. */
    SchemaAndValue decode(byte[] bytes) {
        if (bytes == null) {
            return null;
        }
        for (Template t : templates) {
            if (t != null && t.matches(bytes)) {
                int from = t.prefix.length;
                int to = bytes.length - t.suffix.length;
                for (int i = from; i < to; i++) {
                    byte b = bytes[i];
                    if (b == '"' || b == '\\' || (b >= 0 && b < 0x20)) {
                        return null;
                    }
                }
                return new SchemaAndValue(t.schema, new String(bytes, from, to - from, StandardCharsets.UTF_8));
            }
        }
        return null;
    }

    /** A string JSON writes as itself between quotes: no escapes, no surrogates. */
    private static boolean plain(String s) {
        for (int i = 0, n = s.length(); i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == '"' || c == '\\' || Character.isSurrogate(c)) {
                return false;
            }
        }
        return true;
    }

    /** Learns the converter's bytes around a string from two samples; null when they do not frame it. */
    private Template learn(Schema schema) {
        try {
            byte[] empty = converter.fromConnectData("", schema, "");
            byte[] one = converter.fromConnectData("", schema, "a");
            int i = 0;
            while (i < empty.length && i < one.length && empty[i] == one[i]) {
                i++;
            }
            if (i == 0 || empty[i - 1] != '"' || one.length != empty.length + 1 || one[i] != 'a'
                    || !Arrays.equals(empty, i, empty.length, one, i + 1, one.length)) {
                return null;
            }
            Schema readBack = converter.toConnectData("", empty).schema();
            return new Template(Arrays.copyOfRange(empty, 0, i), Arrays.copyOfRange(empty, i, empty.length), readBack);
        } catch (RuntimeException e) {
            return null;
        }
    }

    private record Template(byte[] prefix, byte[] suffix, Schema schema) {
        boolean matches(byte[] bytes) {
            return bytes.length >= prefix.length + suffix.length
                    && Arrays.equals(bytes, 0, prefix.length, prefix, 0, prefix.length)
                    && Arrays.equals(bytes, bytes.length - suffix.length, bytes.length, suffix, 0, suffix.length);
        }
    }
}
