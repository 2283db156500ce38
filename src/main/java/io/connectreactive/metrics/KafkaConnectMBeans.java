package io.connectreactive.metrics;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import javax.management.Attribute;
import javax.management.AttributeList;
import javax.management.AttributeNotFoundException;
import javax.management.DynamicMBean;
import javax.management.JMException;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanInfo;
import javax.management.MBeanServer;
import javax.management.ObjectName;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kafka Connect's JMX MBeans as Kafka Connect registers them: one per metric group and tag set
 * ({@code kafka.connect:type=source-task-metrics,connector=orders,task=0}), with Kafka Connect's
 * attribute names ({@code source-record-poll-rate}, {@code source-record-poll-total},
 * {@code poll-batch-avg-time-ms}…), numbers as doubles and {@code status} and the connector's class, type
 * and version as strings, plus {@code kafka.connect:type=app-info,client-id=<worker id>}. Each attribute is
 * read from the worker's Micrometer meters when JMX asks for it, so the meters' writers pay nothing more.
 * A bean appears with the first meter of its group and tags and goes with the last (a task's when it
 * stops). Rates and averages are over a sliding window of 30 to 60 s, as Kafka's two 30 s samples; a
 * maximum is Micrometer's (the largest of the last 2 minutes). Thread-safe.
 */
final class KafkaConnectMBeans implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaConnectMBeans.class);
    static final String DOMAIN = "kafka.connect";
    private static final long WINDOW_NANOS = TimeUnit.SECONDS.toNanos(30);
    /** Values Kafka's JmxReporter leaves unquoted in an ObjectName (its Sanitizer.jmxSanitize). */
    private static final Pattern PLAIN = Pattern.compile("[\\w-%. \t]*");

    /** How an attribute is computed from its meter. */
    private enum Stat { VALUE, COUNT, RATE, MAX, AVG, MAX_MS, AVG_MS, STATUS, TAG, SUM_OF_COUNTS }

    /** A Kafka Connect attribute: its name, the meter(s) it reads and how (for TAG, the tag; for SUM_OF_COUNTS, a second meter). */
    private record Attr(String name, String meter, Stat stat, String extra) {
        Attr(String name, String meter, Stat stat) {
            this(name, meter, stat, null);
        }
    }

    /** Each group's attributes in Kafka Connect 4.3's order; an attribute shows when its meter exists. */
    private static final Map<String, List<Attr>> GROUPS = new LinkedHashMap<>();

    static {
        String t = MetricNames.TASK;
        String so = MetricNames.SOURCE;
        String si = MetricNames.SINK;
        String e = MetricNames.ERROR;
        String w = MetricNames.WORKER;
        String r = MetricNames.REBALANCE;
        String c = MetricNames.CONNECTOR;
        GROUPS.put("connector-metrics", List.of(
                new Attr("status", c + "status", Stat.STATUS),
                new Attr("connector-type", c + "info", Stat.TAG, "connector.type"),
                new Attr("connector-class", c + "info", Stat.TAG, "connector.class"),
                new Attr("connector-version", c + "info", Stat.TAG, "connector.version")));
        GROUPS.put("connector-task-metrics", List.of(
                new Attr("status", t + "status", Stat.STATUS),
                new Attr("running-ratio", t + "running.ratio", Stat.VALUE),
                new Attr("pause-ratio", t + "pause.ratio", Stat.VALUE),
                new Attr("offset-commit-max-time-ms", t + "offset.commit.time", Stat.MAX_MS),
                new Attr("offset-commit-avg-time-ms", t + "offset.commit.time", Stat.AVG_MS),
                new Attr("batch-size-max", t + "batch.size", Stat.MAX),
                new Attr("batch-size-avg", t + "batch.size", Stat.AVG),
                new Attr("offset-commit-failure-percentage", t + "offset.commit.failure.percentage", Stat.VALUE),
                new Attr("offset-commit-success-percentage", t + "offset.commit.success.percentage", Stat.VALUE)));
        GROUPS.put("source-task-metrics", List.of(
                new Attr("source-record-poll-rate", so + "source.record.poll", Stat.RATE),
                new Attr("source-record-poll-total", so + "source.record.poll", Stat.COUNT),
                new Attr("source-record-write-rate", so + "source.record.write", Stat.RATE),
                new Attr("source-record-write-total", so + "source.record.write", Stat.COUNT),
                new Attr("poll-batch-max-time-ms", so + "poll.batch.time", Stat.MAX_MS),
                new Attr("poll-batch-avg-time-ms", so + "poll.batch.time", Stat.AVG_MS),
                new Attr("source-record-active-count", so + "source.record.active.count", Stat.VALUE),
                new Attr("source-record-active-count-max", so + "source.record.active.count.sampled", Stat.MAX),
                new Attr("source-record-active-count-avg", so + "source.record.active.count.sampled", Stat.AVG),
                new Attr("transaction-size-min", so + "transaction.size.min", Stat.VALUE),
                new Attr("transaction-size-max", so + "transaction.size", Stat.MAX),
                new Attr("transaction-size-avg", so + "transaction.size", Stat.AVG)));
        GROUPS.put("sink-task-metrics", List.of(
                new Attr("offset-commit-completion-total", si + "offset.commit.completion", Stat.COUNT),
                new Attr("offset-commit-completion-rate", si + "offset.commit.completion", Stat.RATE),
                // Kafka Connect's sequence number of the task's commits: one per commit attempted
                new Attr("offset-commit-seq-no", t + "offset.commit.success", Stat.SUM_OF_COUNTS, t + "offset.commit.failure"),
                new Attr("offset-commit-skip-total", si + "offset.commit.skip", Stat.COUNT),
                new Attr("offset-commit-skip-rate", si + "offset.commit.skip", Stat.RATE),
                new Attr("partition-count", si + "partition.count", Stat.VALUE),
                new Attr("put-batch-avg-time-ms", si + "put.batch.time", Stat.AVG_MS),
                new Attr("put-batch-max-time-ms", si + "put.batch.time", Stat.MAX_MS),
                new Attr("sink-record-active-count", si + "sink.record.active.count", Stat.VALUE),
                new Attr("sink-record-active-count-avg", si + "sink.record.active.count.sampled", Stat.AVG),
                new Attr("sink-record-active-count-max", si + "sink.record.active.count.sampled", Stat.MAX),
                new Attr("sink-record-read-total", si + "sink.record.read", Stat.COUNT),
                new Attr("sink-record-read-rate", si + "sink.record.read", Stat.RATE),
                new Attr("sink-record-send-total", si + "sink.record.send", Stat.COUNT),
                new Attr("sink-record-send-rate", si + "sink.record.send", Stat.RATE)));
        GROUPS.put("task-error-metrics", List.of(
                new Attr("deadletterqueue-produce-failures", e + "deadletterqueue.produce.failures", Stat.COUNT),
                new Attr("deadletterqueue-produce-requests", e + "deadletterqueue.produce.requests", Stat.COUNT),
                new Attr("last-error-timestamp", e + "last.error.timestamp", Stat.VALUE),
                new Attr("total-errors-logged", e + "total.errors.logged", Stat.COUNT),
                new Attr("total-record-errors", e + "total.record.errors", Stat.COUNT),
                new Attr("total-record-failures", e + "total.record.failures", Stat.COUNT),
                new Attr("total-records-skipped", e + "total.records.skipped", Stat.COUNT),
                new Attr("total-retries", e + "total.retries", Stat.COUNT)));
        List<Attr> worker = new ArrayList<>(List.of(
                new Attr("connector-count", w + "connector.count", Stat.VALUE),
                new Attr("connector-startup-attempts-total", w + "connector.startup.attempts", Stat.COUNT),
                new Attr("connector-startup-failure-percentage", w + "connector.startup.failure.percentage", Stat.VALUE),
                new Attr("connector-startup-failure-total", w + "connector.startup.failure", Stat.COUNT),
                new Attr("connector-startup-success-percentage", w + "connector.startup.success.percentage", Stat.VALUE),
                new Attr("connector-startup-success-total", w + "connector.startup.success", Stat.COUNT),
                new Attr("task-count", w + "task.count", Stat.VALUE),
                new Attr("task-startup-attempts-total", w + "task.startup.attempts", Stat.COUNT),
                new Attr("task-startup-failure-percentage", w + "task.startup.failure.percentage", Stat.VALUE),
                new Attr("task-startup-failure-total", w + "task.startup.failure", Stat.COUNT),
                new Attr("task-startup-success-percentage", w + "task.startup.success.percentage", Stat.VALUE),
                new Attr("task-startup-success-total", w + "task.startup.success", Stat.COUNT)));
        // KIP-846, tagged with the connector
        for (String s : List.of("destroyed", "failed", "paused", "restarting", "running", "total", "unassigned")) {
            worker.add(new Attr("connector-" + s + "-task-count", w + "connector." + s + ".task.count", Stat.VALUE));
        }
        GROUPS.put("connect-worker-metrics", List.copyOf(worker));
        GROUPS.put("connect-worker-rebalance-metrics", List.of(
                new Attr("completed-rebalances-total", r + "rebalance.completed", Stat.COUNT),
                new Attr("epoch", r + "epoch", Stat.VALUE),
                new Attr("rebalance-avg-time-ms", r + "rebalance.time", Stat.AVG_MS),
                new Attr("rebalance-max-time-ms", r + "rebalance.time", Stat.MAX_MS),
                new Attr("rebalancing", r + "rebalancing", Stat.VALUE),
                new Attr("time-since-last-rebalance-ms", r + "time.since.last.rebalance.ms", Stat.VALUE)));
    }

    /** Meter name prefix → group, longest prefixes first (connector.task. before connector.). */
    private static final String[][] PREFIXES = {
            {MetricNames.TASK, "connector-task-metrics"}, {MetricNames.CONNECTOR, "connector-metrics"},
            {MetricNames.SOURCE, "source-task-metrics"}, {MetricNames.SINK, "sink-task-metrics"},
            {MetricNames.ERROR, "task-error-metrics"}, {MetricNames.REBALANCE, "connect-worker-rebalance-metrics"},
            {MetricNames.WORKER, "connect-worker-metrics"}};

    /** The connector and task tags of a meter (either may be null): whose meters a bean reads. */
    private record Owner(String connector, String task) {
    }

    private final MBeanServer server;
    /** Every meter of a Kafka Connect group, by owner and meter name (several for status gauges). */
    private final Map<Owner, Map<String, List<Meter>>> meters = new ConcurrentHashMap<>();
    /** The registered beans, by name; each counts its meters. */
    private final Map<ObjectName, GroupBean> beans = new HashMap<>();
    private ObjectName appInfo;
    /** The beans this instance registered, by name; guarded by {@link #OWNERS}. */
    private final Map<ObjectName, DynamicMBean> mine = new HashMap<>();
    /** Which bean holds each (server, name), JVM-wide: several workers in one JVM (tests) share the platform server. */
    private static final Map<List<Object>, DynamicMBean> OWNERS = new HashMap<>();

    KafkaConnectMBeans(MeterRegistry registry) {
        this(registry, ManagementFactory.getPlatformMBeanServer());
    }

    KafkaConnectMBeans(MeterRegistry registry, MBeanServer server) {
        this.server = server;
        registry.config().onMeterAdded(this::added).onMeterRemoved(this::removed);
        registry.forEachMeter(this::added);
    }

    /** {@code kafka.connect:type=app-info,client-id=<workerId>}: version, commit-id, start-time-ms, as Kafka Connect's. */
    synchronized void appInfo(String workerId, String version, String commitId, long startTimeMs) {
        Map<String, Object> values = new LinkedHashMap<>();
        values.put("commit-id", commitId);
        values.put("start-time-ms", startTimeMs); // a Long, as Kafka's app-info metric
        values.put("version", version);
        unregister(appInfo);
        appInfo = name("app-info", Map.of("client-id", workerId));
        register(appInfo, new FixedBean(values));
    }

    private static String group(String meterName) {
        for (String[] p : PREFIXES) {
            if (meterName.startsWith(p[0])) {
                return p[1];
            }
        }
        return null;
    }

    private void added(Meter meter) {
        String group = group(meter.getId().getName());
        if (group == null) {
            return;
        }
        Owner owner = owner(meter);
        meters.computeIfAbsent(owner, o -> new ConcurrentHashMap<>())
                .computeIfAbsent(meter.getId().getName(), n -> new CopyOnWriteArrayList<>()).add(meter);
        ObjectName name = beanName(group, owner);
        synchronized (this) {
            GroupBean bean = beans.get(name);
            if (bean == null) {
                bean = new GroupBean(group, owner);
                beans.put(name, bean);
                register(name, bean);
            }
            bean.meters++;
        }
    }

    private void removed(Meter meter) {
        String group = group(meter.getId().getName());
        if (group == null) {
            return;
        }
        Owner owner = owner(meter);
        // emptied entries go too: a worker that creates and deletes connectors for months keeps none of theirs
        meters.computeIfPresent(owner, (o, byName) -> {
            byName.computeIfPresent(meter.getId().getName(), (n, list) -> {
                list.removeIf(m -> m.getId().equals(meter.getId()));
                return list.isEmpty() ? null : list;
            });
            return byName.isEmpty() ? null : byName;
        });
        ObjectName name = beanName(group, owner);
        synchronized (this) {
            GroupBean bean = beans.get(name);
            if (bean != null && --bean.meters <= 0) {
                beans.remove(name);
                unregister(name);
            }
        }
    }

    private static Owner owner(Meter meter) {
        return new Owner(meter.getId().getTag(MetricNames.TAG_CONNECTOR), meter.getId().getTag(MetricNames.TAG_TASK));
    }

    private static ObjectName beanName(String group, Owner owner) {
        Map<String, String> keys = new LinkedHashMap<>();
        if (owner.connector() != null) {
            keys.put(MetricNames.TAG_CONNECTOR, owner.connector());
        }
        if (owner.task() != null) {
            keys.put(MetricNames.TAG_TASK, owner.task());
        }
        return name(group, keys);
    }

    /** {@code kafka.connect:type=<group>,<key>=<value>...}, values quoted as Kafka's JmxReporter does. */
    static ObjectName name(String type, Map<String, String> keys) {
        StringBuilder sb = new StringBuilder(DOMAIN).append(":type=").append(type);
        keys.forEach((k, v) -> sb.append(',').append(k).append('=').append(PLAIN.matcher(v).matches() ? v : ObjectName.quote(v)));
        try {
            return new ObjectName(sb.toString());
        } catch (JMException e) {
            throw new IllegalArgumentException("not a JMX name: " + sb, e);
        }
    }

    private void register(ObjectName name, DynamicMBean bean) {
        synchronized (OWNERS) {
            try {
                if (server.isRegistered(name)) {
                    server.unregisterMBean(name); // another worker in this JVM had it: the last one wins, as Kafka's JmxReporter
                }
                server.registerMBean(bean, name);
                OWNERS.put(List.of(server, name), bean);
                mine.put(name, bean);
            } catch (JMException e) {
                LOG.warn("JMX bean {} not registered: {}", name, e.toString());
            }
        }
    }

    /** Unregisters {@code name} if the bean there is still this instance's (not a later worker's in the same JVM). */
    private void unregister(ObjectName name) {
        if (name == null) {
            return;
        }
        synchronized (OWNERS) {
            DynamicMBean bean = mine.remove(name);
            if (bean != null && OWNERS.remove(List.of(server, name), bean)) {
                try {
                    server.unregisterMBean(name);
                } catch (JMException e) {
                    // already gone
                }
            }
        }
    }

    /** Unregisters every bean. */
    @Override
    public synchronized void close() {
        beans.keySet().forEach(this::unregister);
        beans.clear();
        unregister(appInfo);
        appInfo = null;
    }

    /** A read-only bean of one group and owner; its attributes are those whose meters exist now. */
    private final class GroupBean extends ReadOnlyBean {
        private final String group;
        private final Owner owner;
        /** Meters registered for this bean; guarded by the outer instance. */
        int meters;
        /** Per attribute, the count and total at the start of the previous and the current window. */
        private final Map<String, Window> windows = new ConcurrentHashMap<>();

        GroupBean(String group, Owner owner) {
            this.group = group;
            this.owner = owner;
        }

        private List<Meter> meters(String name) {
            Map<String, List<Meter>> byName = KafkaConnectMBeans.this.meters.get(owner);
            List<Meter> list = byName == null ? null : byName.get(name);
            return list == null ? List.of() : list;
        }

        private Attr attr(String name) {
            for (Attr a : GROUPS.get(group)) {
                if (a.name().equals(name) && !meters(a.meter()).isEmpty()) {
                    return a;
                }
            }
            return null;
        }

        @Override
        boolean has(String attribute) {
            return attr(attribute) != null;
        }

        @Override
        Object read(String attribute) {
            Attr a = attr(attribute);
            return a == null ? null : value(a);
        }

        private Object value(Attr a) {
            List<Meter> list = meters(a.meter());
            Meter m = list.isEmpty() ? null : list.get(0);
            return switch (a.stat()) {
                case VALUE -> m instanceof Gauge g ? g.value() : Double.NaN;
                case COUNT -> count(m);
                case SUM_OF_COUNTS -> count(m) + meters(a.extra()).stream().mapToDouble(KafkaConnectMBeans::count).sum();
                case RATE -> window(a).rate(count(m));
                case MAX -> m instanceof DistributionSummary s ? s.max() : Double.NaN;
                case AVG -> m instanceof DistributionSummary s ? window(a).average(s.count(), s.totalAmount()) : Double.NaN;
                case MAX_MS -> m instanceof Timer tm ? tm.max(TimeUnit.MILLISECONDS) : Double.NaN;
                case AVG_MS -> m instanceof Timer tm ? window(a).average(tm.count(), tm.totalTime(TimeUnit.MILLISECONDS)) : Double.NaN;
                case STATUS -> status(list);
                case TAG -> m == null ? null : m.getId().getTag(a.extra());
            };
        }

        private Window window(Attr a) {
            return windows.computeIfAbsent(a.name(), n -> new Window());
        }

        @Override
        public MBeanInfo getMBeanInfo() {
            List<MBeanAttributeInfo> infos = new ArrayList<>();
            for (Attr a : GROUPS.get(group)) {
                if (!meters(a.meter()).isEmpty()) {
                    boolean text = a.stat() == Stat.STATUS || a.stat() == Stat.TAG;
                    infos.add(new MBeanAttributeInfo(a.name(), text ? String.class.getName() : double.class.getName(),
                            a.name(), true, false, false));
                }
            }
            return new MBeanInfo(GroupBean.class.getName(), "Kafka Connect's " + group,
                    infos.toArray(new MBeanAttributeInfo[0]), null, null, null);
        }
    }

    private static double count(Meter m) {
        if (m instanceof Counter c) {
            return c.count();
        }
        if (m instanceof FunctionCounter f) {
            return f.count();
        }
        return Double.NaN;
    }

    /** The status tag of the status gauge that reads 1 (lower case, as Kafka Connect's), or null before any. */
    private static String status(List<Meter> gauges) {
        for (Meter m : gauges) {
            if (m instanceof Gauge g && g.value() == 1) {
                return m.getId().getTag("status").toLowerCase(Locale.ROOT);
            }
        }
        return null;
    }

    /**
     * A sliding window over a monotonic count (and total): the values at the start of the previous
     * window and of the current one, rolled when a read finds the current one 30 s old, so that a rate or an
     * average covers the last 30 to 60 s (from the bean's creation until then).
     */
    private static final class Window {
        private long prevStart = System.nanoTime();
        private double prevCount;
        private double prevTotal;
        private long curStart = prevStart;
        private double curCount;
        private double curTotal;

        private synchronized void roll(long now, double count, double total) {
            if (now - curStart >= WINDOW_NANOS) {
                prevStart = curStart;
                prevCount = curCount;
                prevTotal = curTotal;
                curStart = now;
                curCount = count;
                curTotal = total;
            }
        }

        /** Per second over the window; as Kafka's Rate, the elapsed time is at least one window. */
        synchronized double rate(double count) {
            long now = System.nanoTime();
            roll(now, count, 0);
            double seconds = Math.max(now - prevStart, WINDOW_NANOS) / 1e9;
            return (count - prevCount) / seconds;
        }

        /** The window's total over its count; NaN when nothing was recorded in it, as Kafka's Avg. */
        synchronized double average(double count, double total) {
            roll(System.nanoTime(), count, total);
            double n = count - prevCount;
            return n <= 0 ? Double.NaN : (total - prevTotal) / n;
        }
    }

    /** A bean of fixed values (app-info). */
    private static final class FixedBean extends ReadOnlyBean {
        private final Map<String, Object> values;

        FixedBean(Map<String, Object> values) {
            this.values = values;
        }

        @Override
        boolean has(String attribute) {
            return values.containsKey(attribute);
        }

        @Override
        Object read(String attribute) {
            return values.get(attribute);
        }

        @Override
        public MBeanInfo getMBeanInfo() {
            MBeanAttributeInfo[] infos = values.entrySet().stream().map(e -> new MBeanAttributeInfo(e.getKey(),
                    e.getValue().getClass().getName(), e.getKey(), true, false, false)).toArray(MBeanAttributeInfo[]::new);
            return new MBeanInfo(FixedBean.class.getName(), "Kafka Connect's app-info", infos, null, null, null);
        }
    }

    /** A bean whose attributes are only read; no operations. */
    private abstract static class ReadOnlyBean implements DynamicMBean {

        abstract boolean has(String attribute);

        abstract Object read(String attribute);

        @Override
        public Object getAttribute(String attribute) throws AttributeNotFoundException {
            if (!has(attribute)) {
                throw new AttributeNotFoundException(attribute);
            }
            return read(attribute);
        }

        @Override
        public AttributeList getAttributes(String[] attributes) {
            AttributeList out = new AttributeList();
            for (String a : attributes) {
                if (has(a)) {
                    out.add(new Attribute(a, read(a)));
                }
            }
            return out;
        }

        @Override
        public void setAttribute(Attribute attribute) {
            throw new UnsupportedOperationException("read-only");
        }

        @Override
        public AttributeList setAttributes(AttributeList attributes) {
            return new AttributeList();
        }

        @Override
        public Object invoke(String actionName, Object[] params, String[] signature) {
            throw new UnsupportedOperationException("no operations");
        }
    }
}
