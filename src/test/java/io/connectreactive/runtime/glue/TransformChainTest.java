package io.connectreactive.runtime.glue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.connectreactive.plugin.PluginRegistry;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Transforms apply in order, each gated by its predicate (negated or not), with Kafka Connect's config keys. */
class TransformChainTest {

    private final PluginRegistry plugins = new PluginRegistry();

    private static SourceRecord record(String topic, String value) {
        return new SourceRecord(Map.of("p", 1), Map.of("o", 1), topic, null, null, null, Schema.STRING_SCHEMA, value);
    }

    private static Map<String, String> config(String... kv) {
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    @Test
    void emptyChainPassesRecordsThroughUntouched() {
        TransformChain<SourceRecord> chain = TransformChain.create(plugins, config());
        SourceRecord r = record("t", "v");
        assertThat(chain.isEmpty()).isTrue();
        assertThat(chain.apply(r)).isSameAs(r);
    }

    @Test
    void transformsApplyInListedOrder() {
        // the predicate of the second transform only matches the topic the first one produced
        TransformChain<SourceRecord> chain = TransformChain.create(plugins, config(
                "transforms", "route, hoist",
                "transforms.route.type", "org.apache.kafka.connect.transforms.RegexRouter",
                "transforms.route.regex", "(.*)",
                "transforms.route.replacement", "$1-routed",
                "transforms.hoist.type", "org.apache.kafka.connect.transforms.HoistField$Value",
                "transforms.hoist.field", "line",
                "transforms.hoist.predicate", "routed",
                "predicates", "routed",
                "predicates.routed.type", "org.apache.kafka.connect.transforms.predicates.TopicNameMatches",
                "predicates.routed.pattern", ".*-routed"));

        SourceRecord out = chain.apply(record("orders", "hello"));

        assertThat(out.topic()).isEqualTo("orders-routed");
        assertThat(((Struct) out.value()).getString("line")).isEqualTo("hello");
        assertThat(out.sourceOffset()).isEqualTo(Map.of("o", 1));
    }

    @Test
    void negatedPredicateAppliesTheTransformToRecordsThatDoNotMatch() {
        TransformChain<SourceRecord> chain = TransformChain.create(plugins, config(
                "transforms", "drop",
                "transforms.drop.type", "org.apache.kafka.connect.transforms.Filter",
                "transforms.drop.predicate", "isKeep",
                "transforms.drop.negate", "true",
                "predicates", "isKeep",
                "predicates.isKeep.type", "org.apache.kafka.connect.transforms.predicates.TopicNameMatches",
                "predicates.isKeep.pattern", "keep-.*"));

        assertThat(chain.apply(record("keep-1", "a"))).isNotNull();
        assertThat(chain.apply(record("other", "b"))).as("dropped").isNull();
    }

    @Test
    void aDroppedRecordSkipsTheRestOfTheChain() {
        TransformChain<SourceRecord> chain = TransformChain.create(plugins, config(
                "transforms", "drop,route",
                "transforms.drop.type", "org.apache.kafka.connect.transforms.Filter",
                "transforms.route.type", "org.apache.kafka.connect.transforms.RegexRouter",
                "transforms.route.regex", "(.*)",
                "transforms.route.replacement", "x"));
        assertThat(chain.apply(record("t", "v"))).isNull();
    }

    @Test
    void invalidTransformConfigsAreReportedInKafkaConnectsTerms() {
        List<String> errors = TransformChain.validate(plugins, config(
                "transforms", "a,b,c,d",
                "transforms.b.type", "org.example.NoSuchTransform",
                "transforms.c.type", "org.apache.kafka.connect.transforms.RegexRouter",
                "transforms.d.type", "org.apache.kafka.connect.transforms.Filter",
                "transforms.d.predicate", "unlisted",
                "transforms.d.negate", "maybe"));

        assertThat(errors).anySatisfy(e -> assertThat(e).contains("Missing required configuration \"transforms.a.type\""));
        assertThat(errors).anySatisfy(e -> assertThat(e).contains("transforms.b.type").contains("org.example.NoSuchTransform"));
        assertThat(errors).anySatisfy(e -> assertThat(e).contains("transforms.c.").contains("regex"));
        assertThat(errors).anySatisfy(e -> assertThat(e).contains("transforms.d.predicate").contains("unlisted"));
        assertThat(errors).anySatisfy(e -> assertThat(e).contains("transforms.d.negate"));
        assertThatThrownBy(() -> TransformChain.create(plugins, config("transforms", "a")))
                .hasMessageContaining("transforms.a.type");
    }

    @Test
    void negateWithoutAPredicateIsInvalid() {
        assertThat(TransformChain.validate(plugins, config(
                "transforms", "f",
                "transforms.f.type", "org.apache.kafka.connect.transforms.Filter",
                "transforms.f.negate", "true")))
                .singleElement().asString().contains("negate");
    }
}
