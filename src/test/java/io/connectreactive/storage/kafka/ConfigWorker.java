package io.connectreactive.storage.kafka;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

import io.connectreactive.config.WorkerConfig;
import io.connectreactive.storage.ConfigStore;
import io.connectreactive.storage.ConfigStore.RestartRequest;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

/**
 * One worker's config store in a test, started on a context of its own (as the herder's), recording
 * what its listener is told as strings; every call goes through {@link #call} onto that context.
 */
final class ConfigWorker implements ConfigStore.Listener {

    final Context context;
    final KafkaConfigStore store;
    final List<String> events = new CopyOnWriteArrayList<>();

    ConfigWorker(Vertx vertx, WorkerConfig config) {
        context = vertx.getOrCreateContext();
        store = new KafkaConfigStore(vertx, config);
        StoreTesting.on(context, () -> {
            store.listen(this);
            return store.start();
        });
    }

    <T> T call(Supplier<Future<T>> call) {
        return StoreTesting.on(context, call);
    }

    Map<String, ConfigStore.ConnectorEntry> connectors() {
        return store.connectors();
    }

    private void event(String e) {
        // the listener runs on the context that started the store, and sees the change already
        events.add(Vertx.currentContext() == context ? e : "wrong context: " + e);
    }

    @Override
    public void connectorConfigChanged(String name) {
        event("config:" + name + (store.connectors().containsKey(name) ? "" : ":removed"));
    }

    @Override
    public void targetStateChanged(String name) {
        event("state:" + name + ":" + store.connectors().get(name).targetState());
    }

    @Override
    public void taskConfigsChanged(String name) {
        event("tasks:" + name + ":" + store.connectors().get(name).taskConfigs().size());
    }

    @Override
    public void restartRequested(RestartRequest request) {
        event("restart:" + request.connector() + ":" + request.onlyFailed() + ":" + request.includeTasks());
    }
}
