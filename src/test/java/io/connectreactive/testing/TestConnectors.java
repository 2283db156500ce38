package io.connectreactive.testing;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.sink.SinkConnector;
import org.apache.kafka.connect.source.SourceConnector;

/**
 * The parts every test connector shares: it keeps its config, gives one task that same config, has
 * no settings of its own and stops at once. A test connector extends one of these and names its
 * task class (and overrides what it does differently).
 */
public final class TestConnectors {

    public static final String VERSION = "1.0-test";

    private TestConnectors() {
    }

    /** {@code count} task configs, each the connector's {@code props} plus its {@code task.index}. */
    public static List<Map<String, String>> indexedTaskConfigs(Map<String, String> props, int count) {
        List<Map<String, String>> configs = new java.util.ArrayList<>();
        for (int i = 0; i < count; i++) {
            Map<String, String> c = new HashMap<>(props);
            c.put("task.index", String.valueOf(i));
            configs.add(c);
        }
        return configs;
    }

    /** A source connector of one task whose config is the connector's. */
    public abstract static class Source extends SourceConnector {
        protected Map<String, String> props = Map.of();

        @Override
        public void start(Map<String, String> props) {
            this.props = new HashMap<>(props);
        }

        @Override
        public List<Map<String, String>> taskConfigs(int maxTasks) {
            return List.of(props);
        }

        @Override
        public void stop() {
        }

        @Override
        public ConfigDef config() {
            return new ConfigDef();
        }

        @Override
        public String version() {
            return VERSION;
        }
    }

    /** A sink connector of one task whose config is the connector's. */
    public abstract static class Sink extends SinkConnector {
        protected Map<String, String> props = Map.of();

        @Override
        public void start(Map<String, String> props) {
            this.props = new HashMap<>(props);
        }

        @Override
        public List<Map<String, String>> taskConfigs(int maxTasks) {
            return List.of(props);
        }

        @Override
        public void stop() {
        }

        @Override
        public ConfigDef config() {
            return new ConfigDef();
        }

        @Override
        public String version() {
            return VERSION;
        }
    }
}
