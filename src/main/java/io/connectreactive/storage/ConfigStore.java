package io.connectreactive.storage;

import java.util.List;
import java.util.Map;

import io.connectreactive.model.TargetState;
import io.vertx.core.Future;

/**
 * Connector configurations, target states and task configurations. The standalone backend keeps
 * them in a local file; a clustered one will keep them in Kafka Connect's config topic.
 *
 * <p>Reads are served from memory; writes complete once durable. Called on the herder's context.
 */
public interface ConfigStore {

    Future<Void> start();

    /** Every stored connector, by name, in creation order. */
    Map<String, ConnectorEntry> connectors();

    Future<Void> putConnector(String name, Map<String, String> config, TargetState targetState);

    Future<Void> putTargetState(String name, TargetState targetState);

    Future<Void> putTaskConfigs(String name, List<Map<String, String>> taskConfigs);

    Future<Void> removeConnector(String name);

    /**
     * One stored connector.
     *
     * @param config the connector config exactly as submitted
     * @param targetState what the operator asked for
     * @param taskConfigs the task configs last generated from it
     */
    record ConnectorEntry(Map<String, String> config, TargetState targetState, List<Map<String, String>> taskConfigs) {
        public ConnectorEntry {
            config = Map.copyOf(config);
            taskConfigs = taskConfigs.stream().map(Map::copyOf).toList();
        }
    }
}
