package io.connectreactive.metrics;

import java.util.ArrayList;
import java.util.List;

import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;

import com.codahale.metrics.jmx.ObjectNameFactory;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.config.NamingConvention;
import io.micrometer.core.instrument.util.HierarchicalNameMapper;

/**
 * JMX names as Kafka Connect's: a meter of a Kafka Connect group becomes the MBean
 * {@code kafka.connect:type=<group>,connector=<c>,task=<n>,name=<kafka-connect-metric>}, e.g.
 * {@code kafka.connect:type=source-task-metrics,connector=orders,task=0,name=source-record-poll-total}.
 * Kafka Connect has one MBean per group with one attribute per metric; Micrometer's JMX registry
 * (Dropwizard's reporter) has one MBean per meter, hence the extra {@code name} key (a pattern
 * {@code kafka.connect:type=source-task-metrics,connector=orders,task=0,*} finds them all). Other tags
 * follow as keys; other meters (Kafka clients', our own) get {@code type=<meter name>}. Used by
 * {@link ConnectMetrics} when {@code metrics.jmx.enable=true}; stateless, thread-safe.
 */
final class KafkaConnectJmxNames implements HierarchicalNameMapper, ObjectNameFactory {

    static final String DOMAIN = "kafka.connect";

    @Override
    public String toHierarchicalName(Meter.Id id, NamingConvention convention) {
        String[] kc = MetricNames.kafkaConnectName(id.getName(), id.getType() == Meter.Type.COUNTER);
        List<String> keys = new ArrayList<>();
        if (kc != null) {
            keys.add("type=" + value(kc[0]));
        } else {
            keys.add("type=" + value(id.getName()));
        }
        // connector and task first, as Kafka Connect's names
        for (String first : List.of(MetricNames.TAG_CONNECTOR, MetricNames.TAG_TASK)) {
            String v = id.getTag(first);
            if (v != null) {
                keys.add(first + "=" + value(v));
            }
        }
        for (Tag t : id.getTagsAsIterable()) {
            if (!t.getKey().equals(MetricNames.TAG_CONNECTOR) && !t.getKey().equals(MetricNames.TAG_TASK)) {
                keys.add(key(t.getKey()) + "=" + value(t.getValue()));
            }
        }
        if (kc != null) {
            keys.add("name=" + value(kc[1]));
        }
        return String.join(",", keys);
    }

    @Override
    public ObjectName createName(String type, String domain, String name) {
        try {
            return new ObjectName(DOMAIN + ":" + name);
        } catch (MalformedObjectNameException e) {
            try {
                return new ObjectName(DOMAIN, "name", ObjectName.quote(name));
            } catch (MalformedObjectNameException impossible) {
                throw new IllegalArgumentException(impossible);
            }
        }
    }

    private static String key(String k) {
        return k.replaceAll("[^A-Za-z0-9._-]", "_");
    }

    /** A value as is when JMX allows it unquoted (as Kafka's own names), else quoted. */
    private static String value(String v) {
        return v.matches("[A-Za-z0-9._\\-|@#/ ]*") && !v.isEmpty() ? v : ObjectName.quote(v);
    }
}
