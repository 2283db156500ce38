package io.connectreactive.connectors.http;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.vertx.core.buffer.Buffer;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.ConfigValue;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The HTTP sink's pure parts: bodies, URL templates, Retry-After, configuration checks. */
class HttpSinkPartsTest {

    private final JsonConverter json = Body.converter();

    private static SinkRecord record(Object key, Schema valueSchema, Object value) {
        return new SinkRecord("orders", 3, null, key, valueSchema, value, 7);
    }

    @Test
    void singleBodiesKeepTheValueAndSayWhetherItIsJson() {
        Body jsonBytes = Body.of(record(null, null, "{\"a\":1}".getBytes(StandardCharsets.UTF_8)), false, json);
        assertThat(jsonBytes.json()).isTrue();
        assertThat(jsonBytes.bytes().toString()).isEqualTo("{\"a\":1}");
        Body raw = Body.of(record(null, null, new byte[] {1, 2, 3}), false, json);
        assertThat(raw.json()).isFalse();
        assertThat(raw.bytes().getBytes()).containsExactly(1, 2, 3);
        Body text = Body.of(record(null, null, "hello \"you\""), false, json);
        assertThat(text.text()).isTrue();
        assertThat(text.bytes().toString()).isEqualTo("hello \"you\"");
        Body map = Body.of(record(null, null, Map.of("n", 1)), false, json);
        assertThat(map.json()).isTrue();
        assertThat(map.bytes().toString()).isEqualTo("{\"n\":1}");
    }

    @Test
    void arrayElementsEmbedJsonQuoteStringsAndBase64Bytes() {
        Schema schema = SchemaBuilder.struct().field("id", Schema.INT32_SCHEMA).field("name", Schema.STRING_SCHEMA).build();
        List<Buffer> elements = List.of(
                Body.of(record(null, null, "[1, 2]".getBytes(StandardCharsets.UTF_8)), true, json).bytes(),
                Body.of(record(null, null, "plain \"text\""), true, json).bytes(),
                Body.of(record(null, null, new byte[] {(byte) 0xff, 0, 1}), true, json).bytes(),
                Body.of(record(null, schema, new Struct(schema).put("id", 4).put("name", "x")), true, json).bytes(),
                Body.of(record(null, null, null), true, json).bytes());
        int size = elements.stream().mapToInt(Buffer::length).sum() + 2 + elements.size() - 1;
        Buffer array = Body.array(elements, size);
        assertThat(array.length()).isEqualTo(size);
        assertThat(new io.vertx.core.json.JsonArray(array).encode())
                .isEqualTo("[[1,2],\"plain \\\"text\\\"\",\"/wAB\",{\"id\":4,\"name\":\"x\"},null]");
    }

    @Test
    void jsonDetectionNeedsExactlyOneValue() {
        assertThat(Body.isJson("  {\"a\": [1, 2]} ".getBytes(StandardCharsets.UTF_8))).isTrue();
        assertThat(Body.isJson("42".getBytes(StandardCharsets.UTF_8))).isTrue();
        assertThat(Body.isJson("{} {}".getBytes(StandardCharsets.UTF_8))).isFalse();
        assertThat(Body.isJson("hello".getBytes(StandardCharsets.UTF_8))).isFalse();
        assertThat(Body.isJson("{\"a\":".getBytes(StandardCharsets.UTF_8))).isFalse();
        assertThat(Body.isJson(new byte[0])).isFalse();
    }

    @Test
    void urlPlaceholdersAreReplacedUrlEncoded() {
        UrlTemplate t = UrlTemplate.parse("http.url", "https://api.example.com/t/${topic}/p/${partition}?key=${key}");
        assertThat(t.usesKey()).isTrue();
        assertThat(t.render(record("a b/ü&", null, "v"))).isEqualTo("https://api.example.com/t/orders/p/3?key=a%20b%2F%C3%BC%26");
        assertThat(t.render(record(null, null, "v"))).isEqualTo("https://api.example.com/t/orders/p/3?key=");
        assertThat(t.render(record("k".getBytes(StandardCharsets.UTF_8), null, "v"))).endsWith("?key=k");
        assertThat(UrlTemplate.parse("http.url", "http://h:8080/x").usesKey()).isFalse();
    }

    @Test
    void badUrlsAreRefusedWithTheReason() {
        assertThatThrownBy(() -> UrlTemplate.parse("http.url", "ftp://h/x")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("http:// or https://");
        assertThatThrownBy(() -> UrlTemplate.parse("http.url", "http://h/${offset}")).hasMessageContaining("unknown placeholder ${offset}");
        assertThatThrownBy(() -> UrlTemplate.parse("http.url", "http://h/${topic")).hasMessageContaining("unterminated");
        assertThatThrownBy(() -> UrlTemplate.parse("http.url", "not a url")).hasMessageContaining("http.url");
        assertThatThrownBy(() -> UrlTemplate.parse("http.url", "http://u:secret@h/x"))
                .hasMessageContaining("must not carry credentials").hasMessageNotContaining("secret");
    }

    @Test
    void redactedUrlsHideUserInfoAndQuery() {
        assertThat(UrlTemplate.redact("https://u:p@h:8443/a/b?token=s")).isEqualTo("https://h:8443/a/b?...");
        assertThat(UrlTemplate.redact("http://h/a")).isEqualTo("http://h/a");
    }

    @Test
    void retryAfterIsReadAsSecondsOrADate() {
        assertThat(HttpSinkTask.retryAfterMs("3")).isEqualTo(3000);
        assertThat(HttpSinkTask.retryAfterMs(null)).isEqualTo(-1);
        assertThat(HttpSinkTask.retryAfterMs("soon")).isEqualTo(-1);
        String inTenSeconds = java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME
                .format(java.time.ZonedDateTime.now(java.time.ZoneOffset.UTC).plusSeconds(10));
        assertThat(HttpSinkTask.retryAfterMs(inTenSeconds)).isBetween(7_000L, 10_000L);
    }

    @Test
    void retryAfterIsCappedByTheRetryAfterMaximum() {
        assertThat(new HttpSinkConfig(Map.of("http.url", "http://h/x")).retryAfterMaxMs).isEqualTo(60_000L);
        assertThat(new HttpSinkConfig(Map.of("http.url", "http://h/x", "http.retry.after.max.ms", "250")).retryAfterMaxMs)
                .isEqualTo(250L);
        assertThat(HttpSinkTask.capRetryAfter(HttpSinkTask.retryAfterMs("86400"), 60_000)).isEqualTo(60_000);
        assertThat(HttpSinkTask.capRetryAfter(3_000, 60_000)).isEqualTo(3_000);
        assertThat(HttpSinkTask.capRetryAfter(-1, 60_000)).as("no Retry-After: the backoff applies").isEqualTo(-1);
        assertThatThrownBy(() -> new HttpSinkConfig(Map.of("http.url", "http://h/x", "http.retry.after.max.ms", "-1")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("http.retry.after.max.ms");
    }

    @Test
    void validationNamesEachBadKey() {
        Map<String, String> props = new HashMap<>(Map.of("http.url", "gopher://x", "http.auth.type", "digest"));
        Map<String, ConfigValue> values = validate(props);
        assertThat(values.get("http.url").errorMessages()).singleElement().asString().contains("http:// or https://");
        assertThat(values.get("http.auth.type").errorMessages()).singleElement().asString().contains("digest");

        props = new HashMap<>(Map.of("http.url", "http://x/y", "http.auth.type", "basic"));
        assertThat(validate(props).get("http.auth.username").errorMessages())
                .containsExactly("http.auth.username is required when http.auth.type is basic");
        props = new HashMap<>(Map.of("http.url", "http://x/y", "http.auth.type", "BEARER"));
        assertThat(validate(props).get("http.auth.token").errorMessages())
                .containsExactly("http.auth.token is required when http.auth.type is bearer");
        props = new HashMap<>(Map.of("http.url", "http://x/y", "http.headers", "X-A:1,broken"));
        assertThat(validate(props).get("http.headers").errorMessages()).singleElement().asString().contains("'broken'");
        assertThatThrownBy(() -> new HttpSinkConfig(Map.of("http.url", "http://x/y", "http.auth.type", "basic")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("http.auth.username is required");
    }

    @Test
    void headersAreParsedAndContentTypeKeptApart() {
        HttpSinkConfig c = new HttpSinkConfig(Map.of("http.url", "http://x/y",
                "http.headers", "X-Tenant: acme, Content-Type:text/csv,X-Url:http://a:b"));
        assertThat(c.headers).containsExactlyInAnyOrderEntriesOf(Map.of("X-Tenant", "acme", "X-Url", "http://a:b"));
        assertThat(c.contentType).isEqualTo("text/csv");
    }

    @Test
    void backoffDoublesUpToItsMaximum() {
        assertThat(List.of(1, 2, 3, 4, 5, 60).stream().map(n -> HttpSinkTask.backoffMs(100, 1000, n)).toList())
                .containsExactly(100L, 200L, 400L, 800L, 1000L, 1000L);
    }

    private static Map<String, ConfigValue> validate(Map<String, String> props) {
        Map<String, ConfigValue> out = new HashMap<>();
        new HttpSinkConnector().validate(props).configValues().forEach(v -> out.put(v.name(), v));
        return out;
    }
}
