package io.connectreactive.storage.file;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.connectreactive.model.TargetState;
import io.connectreactive.storage.ConfigStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.apache.kafka.connect.errors.ConnectException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Connector configs in a local JSON file, so connectors created over REST survive a restart of a
 * standalone worker. Written whole on each change (temp file, fsync, atomic rename) on Vert.x's
 * worker pool; changes are rare. Called on the herder's context.
 */
public final class FileConfigStore implements ConfigStore {

    private static final Logger LOG = LoggerFactory.getLogger(FileConfigStore.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Vertx vertx;
    private final Path file;
    private final Map<String, ConnectorEntry> connectors = new LinkedHashMap<>();

    public FileConfigStore(Vertx vertx, Path file) {
        this.vertx = vertx;
        this.file = file.toAbsolutePath();
    }

    @Override
    public Future<Void> start() {
        return vertx.<Map<String, StoredConnector>>executeBlocking(() -> {
            if (!Files.exists(file)) {
                return Map.of();
            }
            try {
                return JSON.readValue(file.toFile(), new TypeReference<LinkedHashMap<String, StoredConnector>>() { });
            } catch (IOException e) {
                throw new ConnectException("Could not read connector configs file " + file + ": " + e.getMessage(), e);
            }
        }).map(stored -> {
            stored.forEach((name, s) -> connectors.put(name,
                    new ConnectorEntry(s.config(), s.targetState() == null ? TargetState.STARTED : s.targetState(),
                            s.tasks() == null ? List.of() : s.tasks())));
            if (!stored.isEmpty()) {
                LOG.info("Connector configs loaded from {} ({} connectors)", file, stored.size());
            }
            return null;
        });
    }

    @Override
    public Map<String, ConnectorEntry> connectors() {
        return Collections.unmodifiableMap(connectors);
    }

    @Override
    public Future<Void> putConnector(String name, Map<String, String> config, TargetState targetState) {
        ConnectorEntry old = connectors.get(name);
        connectors.put(name, new ConnectorEntry(config, targetState, old == null ? List.of() : old.taskConfigs()));
        return save();
    }

    @Override
    public Future<Void> putTargetState(String name, TargetState targetState) {
        ConnectorEntry old = connectors.get(name);
        if (old == null) {
            return Future.failedFuture(new IllegalStateException("no connector " + name));
        }
        connectors.put(name, new ConnectorEntry(old.config(), targetState, old.taskConfigs()));
        return save();
    }

    @Override
    public Future<Void> putTaskConfigs(String name, List<Map<String, String>> taskConfigs) {
        ConnectorEntry old = connectors.get(name);
        if (old == null) {
            return Future.failedFuture(new IllegalStateException("no connector " + name));
        }
        connectors.put(name, new ConnectorEntry(old.config(), old.targetState(), taskConfigs));
        return save();
    }

    @Override
    public Future<Void> removeConnector(String name) {
        connectors.remove(name);
        return save();
    }

    private Future<Void> save() {
        Map<String, StoredConnector> snapshot = new LinkedHashMap<>();
        connectors.forEach((name, e) -> snapshot.put(name, new StoredConnector(e.config(), e.targetState(), new ArrayList<>(e.taskConfigs()))));
        return vertx.executeBlocking(() -> {
            Files.createDirectories(file.getParent());
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            byte[] bytes = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(snapshot);
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                ch.write(ByteBuffer.wrap(bytes));
                ch.force(true);
            } catch (IOException e) {
                throw new IOException("Could not write connector configs to " + file + ": " + e.getMessage(), e);
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return null;
        });
    }

    /** The JSON shape of one connector in the file. */
    record StoredConnector(Map<String, String> config, TargetState targetState, List<Map<String, String>> tasks) {
    }
}
