package io.connectreactive.runtime.glue;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

import io.connectreactive.config.WorkerConfig;
import io.connectreactive.plugin.PluginRegistry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.header.ConnectHeaders;
import org.apache.kafka.connect.header.Header;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConverterChainTest {

    private static final String JSON = "org.apache.kafka.connect.json.JsonConverter";
    private static final String STRING = "org.apache.kafka.connect.storage.StringConverter";
    private static final String KAFKA_BYTE_ARRAY = "org.apache.kafka.connect.converters.ByteArrayConverter";
    private static final Map<String, ?> PARTITION = Map.of("filename", "a.txt");
    private static final Map<String, ?> OFFSET = Map.of("position", 1L);

    private static final PluginRegistry PLUGINS = new PluginRegistry();

    private static Map<String, String> map(String... keyValues) {
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            m.put(keyValues[i], keyValues[i + 1]);
        }
        return m;
    }

    private static ConverterChain chain(Map<String, String> worker, Map<String, String> connector) {
        return ConverterChain.create(PLUGINS, new WorkerConfig(worker), connector);
    }

    private static String valueWritten(ConverterChain chain, Schema schema, Object value) {
        ProducerRecord<byte[], byte[]> out = chain.toProducerRecord(
                new SourceRecord(PARTITION, OFFSET, "lines", null, null, null, schema, value));
        return new String(out.value(), StandardCharsets.UTF_8);
    }

    /** What a consumer would read back of a produced record. */
    private static ConsumerRecord<byte[], byte[]> consumed(ProducerRecord<byte[], byte[]> p, long offset) {
        long timestamp = p.timestamp() == null ? -1L : p.timestamp();
        TimestampType type = p.timestamp() == null ? TimestampType.NO_TIMESTAMP_TYPE : TimestampType.CREATE_TIME;
        return new ConsumerRecord<>(p.topic(), p.partition() == null ? 0 : p.partition(), offset, timestamp, type,
                p.key() == null ? -1 : p.key().length, p.value() == null ? -1 : p.value().length,
                p.key(), p.value(), new RecordHeaders(p.headers().toArray()), Optional.empty());
    }

    @Test
    void workerConvertersAreUsedWhenTheConnectorNamesNone() {
        ConverterChain chain = chain(map("value.converter", STRING), map());

        assertThat(valueWritten(chain, Schema.STRING_SCHEMA, "hello")).isEqualTo("hello");
    }

    @Test
    void workerDefaultIsJsonWithSchemas() {
        ConverterChain chain = chain(map(), map());

        assertThat(valueWritten(chain, Schema.STRING_SCHEMA, "hello"))
                .isEqualTo("{\"schema\":{\"type\":\"string\",\"optional\":false},\"payload\":\"hello\"}");
    }

    @Test
    void workerPrefixedSettingsConfigureTheWorkersConverter() {
        ConverterChain chain = chain(map("value.converter.schemas.enable", "false"), map());

        assertThat(valueWritten(chain, Schema.STRING_SCHEMA, "hello")).isEqualTo("\"hello\"");
    }

    @Test
    void connectorsOwnConverterWinsOverTheWorkers() {
        ConverterChain chain = chain(map("value.converter", JSON), map("value.converter", STRING));

        assertThat(valueWritten(chain, Schema.STRING_SCHEMA, "hello")).isEqualTo("hello");
    }

    @Test
    void connectorPrefixedSettingsWithoutItsOwnConverterAreIgnoredAsInKafkaConnect() {
        ConverterChain chain = chain(map("value.converter.schemas.enable", "true"),
                map("value.converter.schemas.enable", "false"));

        assertThat(valueWritten(chain, Schema.STRING_SCHEMA, "hello")).startsWith("{\"schema\":");
    }

    @Test
    void connectorNamingItsOwnConverterUsesItsOwnPrefixedSettings() {
        ConverterChain chain = chain(map("value.converter.schemas.enable", "true"),
                map("value.converter", JSON, "value.converter.schemas.enable", "false"));

        assertThat(valueWritten(chain, Schema.STRING_SCHEMA, "hello")).isEqualTo("\"hello\"");
    }

    @Test
    void connectorNamingItsOwnConverterDoesNotInheritTheWorkersPrefixedSettings() {
        ConverterChain chain = chain(map("value.converter", JSON, "value.converter.schemas.enable", "false"),
                map("value.converter", JSON));

        assertThat(valueWritten(chain, Schema.STRING_SCHEMA, "hello"))
                .as("JsonConverter's own default, schemas enabled")
                .startsWith("{\"schema\":");
    }

    @Test
    void blankConnectorConverterFallsBackToTheWorkers() {
        ConverterChain chain = chain(map("value.converter", STRING), map("value.converter", " "));

        assertThat(valueWritten(chain, Schema.STRING_SCHEMA, "hello")).isEqualTo("hello");
    }

    @Test
    void settingsComeFromWhereverTheConverterIsNamed() {
        WorkerConfig worker = new WorkerConfig(map("value.converter.schemas.enable", "true",
                "value.converter.schemas.cache.size", "10", "key.converter.schemas.enable", "false"));

        assertThat(ConverterChain.settings(worker, map("value.converter.schemas.enable", "false"), "value.converter"))
                .containsOnly(Map.entry("schemas.enable", "true"), Map.entry("schemas.cache.size", "10"));
        assertThat(ConverterChain.settings(worker, map("value.converter", JSON), "value.converter")).isEmpty();
        assertThat(ConverterChain.settings(worker, map("value.converter", JSON, "value.converter.schemas.enable", "false"),
                "value.converter")).containsOnly(Map.entry("schemas.enable", "false"));
        assertThat(ConverterChain.pick(worker, map(), "value.converter")).isEqualTo(JSON);
        assertThat(ConverterChain.pick(worker, map("value.converter", " StringConverter "), "value.converter"))
                .isEqualTo("StringConverter");
    }

    @Test
    void keyAndValueConvertersAreChosenIndependently() {
        ConverterChain chain = chain(map("key.converter", STRING, "value.converter.schemas.enable", "false"), map());

        ProducerRecord<byte[], byte[]> out = chain.toProducerRecord(new SourceRecord(PARTITION, OFFSET, "lines", null,
                Schema.STRING_SCHEMA, "k1", Schema.STRING_SCHEMA, "v1"));

        assertThat(new String(out.key(), StandardCharsets.UTF_8)).isEqualTo("k1");
        assertThat(new String(out.value(), StandardCharsets.UTF_8)).isEqualTo("\"v1\"");
    }

    @Test
    void jsonRoundTripKeepsKeyStructValueHeadersTimestampAndPartition() {
        ConverterChain chain = chain(map(), map());
        Schema schema = SchemaBuilder.struct().name("line")
                .field("text", Schema.STRING_SCHEMA).field("n", Schema.INT64_SCHEMA).build();
        Struct value = new Struct(schema).put("text", "hello").put("n", 7L);
        ConnectHeaders headers = new ConnectHeaders();
        headers.addString("origin", "a.txt");
        headers.addInt("attempt", 3);
        SourceRecord source = new SourceRecord(PARTITION, OFFSET, "lines", 2, Schema.STRING_SCHEMA, "k1",
                schema, value, 1_700_000_000_000L, headers);

        ProducerRecord<byte[], byte[]> produced = chain.toProducerRecord(source);
        SinkRecord sink = chain.toSinkRecord(consumed(produced, 99L));

        assertThat(produced.topic()).isEqualTo("lines");
        assertThat(produced.partition()).isEqualTo(2);
        assertThat(produced.timestamp()).isEqualTo(1_700_000_000_000L);
        assertThat(sink.topic()).isEqualTo("lines");
        assertThat(sink.kafkaPartition()).isEqualTo(2);
        assertThat(sink.kafkaOffset()).isEqualTo(99L);
        assertThat(sink.timestamp()).isEqualTo(1_700_000_000_000L);
        assertThat(sink.timestampType()).isEqualTo(TimestampType.CREATE_TIME);
        assertThat(sink.key()).isEqualTo("k1");
        assertThat(sink.keySchema().type()).isEqualTo(Schema.Type.STRING);
        assertThat(sink.value()).isInstanceOf(Struct.class);
        Struct read = (Struct) sink.value();
        assertThat(read.getString("text")).isEqualTo("hello");
        assertThat(read.getInt64("n")).isEqualTo(7L);
        assertThat(sink.valueSchema().name()).isEqualTo("line");
        assertThat(sink.headers().lastWithName("origin").value()).isEqualTo("a.txt");
        Header attempt = sink.headers().lastWithName("attempt");
        assertThat(((Number) attempt.value()).intValue()).isEqualTo(3);
    }

    @Test
    void headersAreWrittenWithTheSimpleHeaderConverter() {
        ConverterChain chain = chain(map(), map());
        ConnectHeaders headers = new ConnectHeaders();
        headers.addString("origin", "a.txt");
        headers.addInt("attempt", 3);

        ProducerRecord<byte[], byte[]> produced = chain.toProducerRecord(new SourceRecord(PARTITION, OFFSET, "lines",
                null, null, null, Schema.STRING_SCHEMA, "v", null, headers));

        assertThat(new String(produced.headers().lastHeader("origin").value(), StandardCharsets.UTF_8)).isEqualTo("a.txt");
        assertThat(new String(produced.headers().lastHeader("attempt").value(), StandardCharsets.UTF_8)).isEqualTo("3");
    }

    @Test
    void repeatedHeadersKeepTheirOrder() {
        ConverterChain chain = chain(map(), map());
        ConnectHeaders headers = new ConnectHeaders();
        headers.addString("hop", "one");
        headers.addString("hop", "two");
        ProducerRecord<byte[], byte[]> produced = chain.toProducerRecord(new SourceRecord(PARTITION, OFFSET, "lines",
                null, null, null, Schema.STRING_SCHEMA, "v", null, headers));

        SinkRecord sink = chain.toSinkRecord(consumed(produced, 0));

        assertThat(sink.headers().allWithName("hop")).toIterable().extracting(Header::value).containsExactly("one", "two");
    }

    @Test
    void stringConverterRoundTrip() {
        ConverterChain chain = chain(map("key.converter", "StringConverter", "value.converter", "StringConverter"), map());

        ProducerRecord<byte[], byte[]> produced = chain.toProducerRecord(new SourceRecord(PARTITION, OFFSET, "lines",
                null, Schema.STRING_SCHEMA, "key ü", Schema.STRING_SCHEMA, "line ✓"));
        SinkRecord sink = chain.toSinkRecord(consumed(produced, 5));

        assertThat(produced.value()).isEqualTo("line ✓".getBytes(StandardCharsets.UTF_8));
        assertThat(sink.key()).isEqualTo("key ü");
        assertThat(sink.value()).isEqualTo("line ✓");
        assertThat(sink.valueSchema()).isEqualTo(Schema.OPTIONAL_STRING_SCHEMA);
    }

    @Test
    void kafkaConnectByteArrayConverterRoundTripPassesBytesThrough() {
        ConverterChain chain = chain(map(), map("key.converter", KAFKA_BYTE_ARRAY, "value.converter", KAFKA_BYTE_ARRAY));
        byte[] key = {0, 1, 2};
        byte[] value = {(byte) 0xFF, 0, 42};

        ProducerRecord<byte[], byte[]> produced = chain.toProducerRecord(new SourceRecord(PARTITION, OFFSET, "lines",
                null, Schema.BYTES_SCHEMA, key, Schema.BYTES_SCHEMA, value));
        SinkRecord sink = chain.toSinkRecord(consumed(produced, 5));

        assertThat(produced.key()).isEqualTo(key);
        assertThat(produced.value()).isEqualTo(value);
        assertThat(sink.key()).isEqualTo(key);
        assertThat(sink.value()).isEqualTo(value);
        assertThat(sink.valueSchema()).isEqualTo(Schema.OPTIONAL_BYTES_SCHEMA);
    }

    @Test
    void tombstoneStaysATombstone() {
        ConverterChain chain = chain(map(), map());

        ProducerRecord<byte[], byte[]> produced = chain.toProducerRecord(new SourceRecord(PARTITION, OFFSET, "lines",
                null, Schema.STRING_SCHEMA, "k", null, null));
        SinkRecord sink = chain.toSinkRecord(consumed(produced, 0));

        assertThat(produced.value()).isNull();
        assertThat(sink.value()).isNull();
        assertThat(sink.key()).isEqualTo("k");
    }

    @Test
    void sourceRecordWithoutTimestampIsProducedWithoutOne() {
        ConverterChain chain = chain(map(), map());

        ProducerRecord<byte[], byte[]> produced = chain.toProducerRecord(new SourceRecord(PARTITION, OFFSET, "lines",
                null, null, null, Schema.STRING_SCHEMA, "v", null));

        assertThat(produced.timestamp()).isNull();
    }

    @Test
    void sourceRecordWithNoTimestampMarkerIsProducedWithoutOne() {
        ConverterChain chain = chain(map(), map());

        ProducerRecord<byte[], byte[]> produced = chain.toProducerRecord(new SourceRecord(PARTITION, OFFSET, "lines",
                null, null, null, Schema.STRING_SCHEMA, "v", -1L));

        assertThat(produced.timestamp()).as("Kafka Connect maps RecordBatch.NO_TIMESTAMP to none").isNull();
    }

    @Test
    void sourceRecordWithNegativeTimestampIsRejected() {
        ConverterChain chain = chain(map(), map());
        SourceRecord record = new SourceRecord(PARTITION, OFFSET, "lines", null, null, null, Schema.STRING_SCHEMA, "v", -5L);

        assertThatThrownBy(() -> chain.toProducerRecord(record))
                .isInstanceOf(InvalidRecordException.class)
                .hasMessageContaining("-5");
    }

    @Test
    void consumedRecordWithoutTimestampGivesSinkRecordWithNullTimestamp() {
        ConverterChain chain = chain(map("value.converter.schemas.enable", "false"), map());
        ConsumerRecord<byte[], byte[]> consumed = new ConsumerRecord<>("lines", 0, 3L, -1L, TimestampType.NO_TIMESTAMP_TYPE,
                -1, 7, null, "\"hello\"".getBytes(StandardCharsets.UTF_8), new RecordHeaders(), Optional.empty());

        SinkRecord sink = chain.toSinkRecord(consumed);

        assertThat(sink.timestamp()).isNull();
        assertThat(sink.timestampType()).isEqualTo(TimestampType.NO_TIMESTAMP_TYPE);
        assertThat(sink.kafkaOffset()).isEqualTo(3L);
    }

    @Test
    void schemalessJsonIsReadIntoMaps() {
        ConverterChain chain = chain(map("value.converter.schemas.enable", "false"), map());
        ConsumerRecord<byte[], byte[]> consumed = new ConsumerRecord<>("lines", 1, 3L, 10L, TimestampType.LOG_APPEND_TIME,
                -1, 7, null, "{\"a\":1,\"b\":\"x\"}".getBytes(StandardCharsets.UTF_8), new RecordHeaders(), Optional.empty());

        SinkRecord sink = chain.toSinkRecord(consumed);

        assertThat(sink.valueSchema()).isNull();
        assertThat(sink.value()).isEqualTo(Map.of("a", 1L, "b", "x"));
        assertThat(sink.timestampType()).isEqualTo(TimestampType.LOG_APPEND_TIME);
        assertThat(sink.kafkaPartition()).isEqualTo(1);
    }

    @Test
    void batchConversionKeepsOrder() {
        ConverterChain chain = chain(map("value.converter", STRING), map());
        java.util.List<ConsumerRecord<byte[], byte[]>> batch = java.util.stream.IntStream.range(0, 5)
                .mapToObj(i -> new ConsumerRecord<byte[], byte[]>("lines", 0, i, null, ("v" + i).getBytes(StandardCharsets.UTF_8)))
                .toList();

        assertThat(chain.toSinkRecords(batch)).extracting(SinkRecord::value).containsExactly("v0", "v1", "v2", "v3", "v4");
    }
}
