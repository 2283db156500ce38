package io.connectreactive.storage;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class OffsetCodecTest {

    private final OffsetCodec codec = new OffsetCodec();

    private static String string(ByteBuffer b) {
        return StandardCharsets.UTF_8.decode(b.duplicate()).toString();
    }

    private static ByteBuffer bytes(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void keyIsKafkaConnectsConnectorAndPartitionArray() {
        assertThat(string(codec.key("my-conn", Map.of("filename", "a.txt"))))
                .isEqualTo("[\"my-conn\",{\"filename\":\"a.txt\"}]");
    }

    @Test
    void valueIsTheOffsetAsAJsonMap() {
        assertThat(string(codec.value(Map.of("position", 42)))).isEqualTo("{\"position\":42}");
    }

    @Test
    void nullOffsetIsANullValue() {
        assertThat(codec.value(null)).isNull();
        assertThat(codec.decodeValue(null)).isNull();
    }

    @Test
    void decodesKeysWrittenByKafkaConnect() {
        OffsetCodec.Key key = codec.decodeKey(bytes("[\"my-conn\",{\"filename\":\"a.txt\"}]"));

        assertThat(key).isEqualTo(new OffsetCodec.Key("my-conn", Map.of("filename", "a.txt")));
    }

    @Test
    void decodesValuesWrittenByKafkaConnectWithLongNumbers() {
        assertThat(codec.decodeValue(bytes("{\"position\":42}"))).containsExactly(Map.entry("position", 42L));
    }

    @Test
    void keyAndValueRoundTrip() {
        Map<String, Object> partition = Map.of("db", "orders", "shard", 3L);
        Map<String, Object> offset = Map.of("lsn", 123456789012L, "snapshot", true, "txid", "abc");

        assertThat(codec.decodeKey(codec.key("c", partition))).isEqualTo(new OffsetCodec.Key("c", partition));
        assertThat(codec.decodeValue(codec.value(offset))).isEqualTo(offset);
    }

    @Test
    void decodingDoesNotConsumeTheBuffer() {
        ByteBuffer key = codec.key("c", Map.of("p", 1));
        int remaining = key.remaining();

        codec.decodeKey(key);

        assertThat(key.remaining()).isEqualTo(remaining);
    }

    @Test
    void keysThatAreNotConnectorPartitionArraysDecodeToNull() {
        assertThat(codec.decodeKey(bytes("not json"))).isNull();
        assertThat(codec.decodeKey(bytes("{\"a\":1}"))).isNull();
        assertThat(codec.decodeKey(bytes("[\"c\"]"))).isNull();
        assertThat(codec.decodeKey(bytes("[1,{\"a\":1}]"))).isNull();
        assertThat(codec.decodeKey(null)).isNull();
    }

    @Test
    void valueThatIsNotAMapDecodesToNull() {
        assertThat(codec.decodeValue(bytes("[1,2]"))).isNull();
    }
}
