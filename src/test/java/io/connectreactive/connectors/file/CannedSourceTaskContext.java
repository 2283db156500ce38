package io.connectreactive.connectors.file;

import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import org.apache.kafka.common.metrics.PluginMetrics;
import org.apache.kafka.connect.source.SourceTaskContext;
import org.apache.kafka.connect.storage.OffsetStorageReader;

/** A {@link SourceTaskContext} whose offset reader answers from a fixed map and records what it was asked. */
final class CannedSourceTaskContext implements SourceTaskContext {

    private final Map<Map<String, ?>, Map<String, Object>> stored = new HashMap<>();
    final List<Map<String, ?>> asked = new CopyOnWriteArrayList<>();

    static CannedSourceTaskContext empty() {
        return new CannedSourceTaskContext();
    }

    /** A context whose store holds {@code {"position": position}} for {@code {"filename": filename}}. */
    static CannedSourceTaskContext withPosition(String filename, Object position) {
        CannedSourceTaskContext context = new CannedSourceTaskContext();
        Map<String, Object> offset = new HashMap<>();
        offset.put(FileStreamSourceTask.POSITION_FIELD, position);
        context.stored.put(Map.of(FileStreamSourceTask.FILENAME_FIELD, filename), offset);
        return context;
    }

    @Override
    public Map<String, String> configs() {
        return Map.of();
    }

    @Override
    public OffsetStorageReader offsetStorageReader() {
        return new OffsetStorageReader() {
            @Override
            public <T> Map<String, Object> offset(Map<String, T> partition) {
                asked.add(partition);
                return stored.get(partition);
            }

            @Override
            public <T> Map<Map<String, T>, Map<String, Object>> offsets(Collection<Map<String, T>> partitions) {
                Map<Map<String, T>, Map<String, Object>> result = new HashMap<>();
                partitions.forEach(p -> result.put(p, offset(p)));
                return result;
            }
        };
    }

    @Override
    public PluginMetrics pluginMetrics() {
        return null;
    }
}
