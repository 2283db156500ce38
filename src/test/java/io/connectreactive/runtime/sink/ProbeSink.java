package io.connectreactive.runtime.sink;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import io.connectreactive.testing.TestConnectors;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTask;

/**
 * A test sink of {@code tasks.max} classic tasks whose behaviour is chosen by {@code probe.mode}:
 * <ul>
 *   <li>{@code buffer}: keeps records in memory until {@code flush}, which writes them to {@link #STORE}
 *       (the durable store); {@code close(partitions)} drops what is still buffered, as a real sink's
 *       in-memory buffer would be lost;</li>
 *   <li>{@code rewind}: after every second batch (five times in all) rewinds to offset 0 its
 *       lowest partition, when the batch has no record of it;</li>
 *   <li>{@code retry}: once {@link #ARMED}, {@code put} throws {@link RetriableException} for
 *       {@code probe.fail.ms} after its first failure;</li>
 *   <li>{@code skip}: {@code open(partitions)} rewinds each to offset {@value #SKIP};</li>
 *   <li>{@code fail}: {@code put} of a non-empty batch throws {@link ConnectException};</li>
 *   <li>{@code stall}: task 0's {@code put} of a non-empty batch blocks while {@link #ARMED} (at most a minute).</li>
 * </ul>
 * State is static, keyed by connector name (each test uses its own).
 */
public class ProbeSink extends TestConnectors.Sink {

    static final long SKIP = 50;
    /** Durable store: connector → partition → offsets flushed. */
    static final Map<String, Map<TopicPartition, Set<Long>>> STORE = new ConcurrentHashMap<>();
    /** Every record put: connector → partition → offsets (duplicates kept). */
    static final Map<String, Map<TopicPartition, List<Long>>> PUT = new ConcurrentHashMap<>();
    /** connector → task index → partitions currently open. */
    static final Map<String, Map<Integer, Set<TopicPartition>>> OPEN = new ConcurrentHashMap<>();
    static final Map<String, AtomicInteger> CLOSES = new ConcurrentHashMap<>();
    static final Map<String, AtomicInteger> RETRIES = new ConcurrentHashMap<>();
    static final Map<String, AtomicInteger> REWINDS = new ConcurrentHashMap<>();
    /** connector → partitions rewound. */
    static final Map<String, Set<TopicPartition>> REWOUND = new ConcurrentHashMap<>();
    static final Map<String, Boolean> ARMED = new ConcurrentHashMap<>();
    /** Offsets each preCommit returned, in order: connector → list. */
    static final Map<String, List<Map<TopicPartition, OffsetAndMetadata>>> PRE_COMMITS = new ConcurrentHashMap<>();


    static Map<TopicPartition, Set<Long>> store(String name) {
        return STORE.computeIfAbsent(name, n -> new ConcurrentHashMap<>());
    }

    static Map<TopicPartition, List<Long>> putLog(String name) {
        return PUT.computeIfAbsent(name, n -> new ConcurrentHashMap<>());
    }

    static Map<Integer, Set<TopicPartition>> opened(String name) {
        return OPEN.computeIfAbsent(name, n -> new ConcurrentHashMap<>());
    }

    static AtomicInteger counter(Map<String, AtomicInteger> map, String name) {
        return map.computeIfAbsent(name, n -> new AtomicInteger());
    }

    @Override
    public Class<? extends Task> taskClass() {
        return ProbeTask.class;
    }

    @Override
    public List<Map<String, String>> taskConfigs(int maxTasks) {
        List<Map<String, String>> configs = new ArrayList<>();
        for (int i = 0; i < maxTasks; i++) {
            Map<String, String> c = new HashMap<>(props);
            c.put("probe.task", String.valueOf(i));
            configs.add(c);
        }
        return configs;
    }


    /** The task. */
    public static class ProbeTask extends SinkTask {
        private String name;
        private int index;
        private String mode;
        private long failMs;
        private long failUntil = -1;
        private int batches;
        private final Map<TopicPartition, TreeMap<Long, Object>> buffer = new HashMap<>();

        @Override
        public String version() {
            return "1.0";
        }

        @Override
        public void start(Map<String, String> props) {
            name = props.get("name");
            index = Integer.parseInt(props.getOrDefault("probe.task", "0"));
            mode = props.getOrDefault("probe.mode", "buffer");
            failMs = Long.parseLong(props.getOrDefault("probe.fail.ms", "0"));
        }

        @Override
        public void open(Collection<TopicPartition> partitions) {
            opened(name).computeIfAbsent(index, i -> ConcurrentHashMap.newKeySet()).addAll(partitions);
            if ("skip".equals(mode)) {
                Map<TopicPartition, Long> from = new HashMap<>();
                partitions.forEach(tp -> from.put(tp, SKIP));
                context.offset(from);
            }
        }

        @Override
        public void close(Collection<TopicPartition> partitions) {
            counter(CLOSES, name).incrementAndGet();
            Set<TopicPartition> mine = opened(name).get(index);
            if (mine != null) {
                mine.removeAll(partitions);
            }
            partitions.forEach(buffer::remove); // unflushed data of a closed partition is gone
        }

        @Override
        public void put(Collection<SinkRecord> records) {
            if (records.isEmpty()) {
                return;
            }
            if ("fail".equals(mode)) {
                throw new ConnectException("probe task " + index + " cannot write");
            }
            if ("stall".equals(mode) && index == 0) {
                long until = System.currentTimeMillis() + 60_000;
                while (Boolean.TRUE.equals(ARMED.get(name)) && System.currentTimeMillis() < until) {
                    try {
                        Thread.sleep(20);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            }
            if ("retry".equals(mode) && Boolean.TRUE.equals(ARMED.get(name))) {
                long now = System.currentTimeMillis();
                if (failUntil < 0) {
                    failUntil = now + failMs;
                }
                if (now < failUntil) {
                    counter(RETRIES, name).incrementAndGet();
                    context.timeout(300);
                    throw new RetriableException("probe store unavailable");
                }
            }
            for (SinkRecord r : records) {
                TopicPartition tp = new TopicPartition(r.topic(), r.kafkaPartition());
                putLog(name).computeIfAbsent(tp, t -> new CopyOnWriteArrayList<>()).add(r.kafkaOffset());
                if ("buffer".equals(mode)) {
                    buffer.computeIfAbsent(tp, t -> new TreeMap<>()).put(r.kafkaOffset(), r.value());
                }
            }
            batches++;
            if ("rewind".equals(mode) && batches % 2 == 0 && counter(REWINDS, name).get() < 5) {
                // reprocess from the start the task's first partition, when the batch has none of its records
                Set<TopicPartition> inBatch = new java.util.HashSet<>();
                records.forEach(r -> inBatch.add(new TopicPartition(r.topic(), r.kafkaPartition())));
                context.assignment().stream().min(java.util.Comparator.comparingInt(TopicPartition::partition))
                        .filter(tp -> !inBatch.contains(tp)).ifPresent(tp -> {
                            counter(REWINDS, name).incrementAndGet();
                            REWOUND.computeIfAbsent(name, n -> ConcurrentHashMap.newKeySet()).add(tp);
                            context.offset(tp, 0L);
                        });
            }
        }

        @Override
        public void flush(Map<TopicPartition, OffsetAndMetadata> currentOffsets) {
            Map<TopicPartition, Set<Long>> store = store(name);
            currentOffsets.forEach((tp, o) -> {
                TreeMap<Long, Object> buffered = buffer.get(tp);
                if (buffered != null) {
                    Map<Long, Object> upTo = buffered.headMap(o.offset());
                    store.computeIfAbsent(tp, t -> ConcurrentHashMap.newKeySet()).addAll(upTo.keySet());
                    upTo.clear();
                }
            });
        }

        @Override
        public Map<TopicPartition, OffsetAndMetadata> preCommit(Map<TopicPartition, OffsetAndMetadata> currentOffsets) {
            PRE_COMMITS.computeIfAbsent(name, n -> new CopyOnWriteArrayList<>()).add(Map.copyOf(currentOffsets));
            return super.preCommit(currentOffsets);
        }

        @Override
        public void stop() {
        }
    }
}
