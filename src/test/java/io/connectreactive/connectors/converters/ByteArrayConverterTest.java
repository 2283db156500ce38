package io.connectreactive.connectors.converters;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.errors.DataException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ByteArrayConverterTest {

    private static final byte[] BYTES = "hello".getBytes(StandardCharsets.UTF_8);

    private final ByteArrayConverter converter = new ByteArrayConverter();

    @BeforeEach
    void configure() {
        converter.configure(Map.of(), false);
    }

    @Test
    void bytesPassThroughUnchanged() {
        assertThat(converter.fromConnectData("t", Schema.BYTES_SCHEMA, BYTES)).isEqualTo(BYTES);
        assertThat(converter.fromConnectData("t", new RecordHeaders(), Schema.OPTIONAL_BYTES_SCHEMA, BYTES)).isEqualTo(BYTES);
    }

    @Test
    void bytesWithoutSchemaPassThrough() {
        assertThat(converter.fromConnectData("t", null, BYTES)).isEqualTo(BYTES);
    }

    @Test
    void byteBufferIsWrittenFromItsPositionWithoutConsumingIt() {
        ByteBuffer buffer = ByteBuffer.wrap("xxhello".getBytes(StandardCharsets.UTF_8));
        buffer.position(2);

        assertThat(converter.fromConnectData("t", Schema.BYTES_SCHEMA, buffer)).isEqualTo(BYTES);
        assertThat(buffer.position()).isEqualTo(2);
    }

    @Test
    void nullStaysNull() {
        assertThat(converter.fromConnectData("t", Schema.OPTIONAL_BYTES_SCHEMA, null)).isNull();
        assertThat(converter.toConnectData("t", null)).isEqualTo(new SchemaAndValue(Schema.OPTIONAL_BYTES_SCHEMA, null));
    }

    @Test
    void readsBytesAsOptionalBytesSchema() {
        SchemaAndValue read = converter.toConnectData("t", BYTES);

        assertThat(read.schema()).isEqualTo(Schema.OPTIONAL_BYTES_SCHEMA);
        assertThat(read.value()).isEqualTo(BYTES);
    }

    @Test
    void nonBytesSchemaIsADataException() {
        assertThatThrownBy(() -> converter.fromConnectData("t", Schema.STRING_SCHEMA, "hello"))
                .isInstanceOf(DataException.class)
                .hasMessageContaining("STRING");
    }

    @Test
    void nonBytesValueIsADataException() {
        assertThatThrownBy(() -> converter.fromConnectData("t", null, "hello"))
                .isInstanceOf(DataException.class)
                .hasMessageContaining("String");
    }

    @Test
    void worksAsHeaderConverter() {
        converter.configure(Map.of());

        byte[] written = converter.fromConnectHeader("t", "h", Schema.BYTES_SCHEMA, BYTES);
        SchemaAndValue read = converter.toConnectHeader("t", "h", written);

        assertThat(written).isEqualTo(BYTES);
        assertThat(read.value()).isEqualTo(BYTES);
        assertThat(read.schema()).isEqualTo(Schema.OPTIONAL_BYTES_SCHEMA);
    }

    @Test
    void reportsTheKafkaVersion() {
        assertThat(converter.version()).isNotBlank();
    }
}
