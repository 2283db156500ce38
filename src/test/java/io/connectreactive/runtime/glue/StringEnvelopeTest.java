package io.connectreactive.runtime.glue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.storage.StringConverter;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The string fast path writes and reads exactly what JsonConverter does, and steps aside when it cannot. */
class StringEnvelopeTest {

    private static JsonConverter json(boolean schemas) {
        JsonConverter c = new JsonConverter();
        c.configure(Map.of("schemas.enable", String.valueOf(schemas)), false);
        return c;
    }

    private static List<String> samples() {
        List<String> out = new ArrayList<>(List.of("", "a", "hello world", "nowcccsadfasdfasdfadvvc", "ünïcødé ✓ 日本語",
                "tab\there", "quote\"inside", "back\\slash", "new\nline", "\u0000", "\u007f del", "emoji 😀", "\u2028",
                "{\"schema\":1}", "/slash/"));
        Random r = new Random(42);
        for (int i = 0; i < 2_000; i++) {
            StringBuilder b = new StringBuilder();
            int len = r.nextInt(40);
            for (int j = 0; j < len; j++) {
                int kind = r.nextInt(10);
                b.append(kind < 6 ? (char) (0x20 + r.nextInt(0x5f)) : kind < 8 ? (char) (0xa0 + r.nextInt(0x3000)) : kind < 9 ? (char) r.nextInt(0x20) : '"');
            }
            out.add(b.toString());
        }
        return out;
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void encodesExactlyAsJsonConverterOrStepsAside(boolean schemas) {
        JsonConverter converter = json(schemas);
        StringEnvelope fast = StringEnvelope.of(converter);
        int taken = 0;
        for (Schema schema : new Schema[]{Schema.STRING_SCHEMA, Schema.OPTIONAL_STRING_SCHEMA, null}) {
            for (String s : samples()) {
                byte[] expected = converter.fromConnectData("t", schema, s);
                byte[] actual = fast.encode(schema, s);
                if (actual != null) {
                    taken++;
                    assertThat(actual).as("%s / %s", schema, s).isEqualTo(expected);
                }
                SchemaAndValue read = fast.decode(expected);
                if (read != null) {
                    SchemaAndValue reference = converter.toConnectData("t", expected);
                    assertThat(read.value()).isEqualTo(reference.value());
                    assertThat(read.schema()).isEqualTo(reference.schema());
                }
            }
        }
        assertThat(taken).as("plain strings take the fast path").isGreaterThan(300);
        assertThat(fast.encode(Schema.STRING_SCHEMA, "plain")).isNotNull();
        assertThat(fast.encode(Schema.STRING_SCHEMA, "needs \"escaping\"")).isNull();
        assertThat(fast.encode(Schema.INT32_SCHEMA, 5)).isNull();
    }

    @Test
    void decodeStepsAsideForOtherShapes() {
        JsonConverter converter = json(true);
        StringEnvelope fast = StringEnvelope.of(converter);
        assertThat(fast.decode(converter.fromConnectData("t", Schema.INT32_SCHEMA, 5))).isNull();
        assertThat(fast.decode(converter.fromConnectData("t", Schema.STRING_SCHEMA, "a\\b"))).isNull();
        assertThat(fast.decode(null)).isNull();
    }

    @Test
    void onlyJsonConverterHasAFastPath() {
        assertThat(StringEnvelope.of(new StringConverter())).isNull();
    }
}
