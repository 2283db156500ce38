package io.connectreactive.bench.cluster;

import java.util.Map;

/**
 * One contender of the cluster benchmark: which worker it runs and the settings it adds to the
 * common ones. Immutable.
 *
 * @param id        short id used in tables and directory names
 * @param label     what the report calls it
 * @param reactive  connect-reactive (true) or Apache Kafka Connect 4.3.1 distributed (false)
 * @param settings  worker settings added to the common ones (e.g. {@code scheduled.rebalance.max.delay.ms})
 */
record Flavor(String id, String label, boolean reactive, Map<String, String> settings) {

    static final Flavor CONNECT_REACTIVE = new Flavor("cr", "connect-reactive (defaults)", true, Map.of());
    static final Flavor KAFKA_CONNECT_NO_DELAY = new Flavor("kc0", "Kafka Connect, scheduled.rebalance.max.delay.ms=0",
            false, Map.of("scheduled.rebalance.max.delay.ms", "0"));
    static final Flavor KAFKA_CONNECT_DEFAULT = new Flavor("kc", "Kafka Connect (defaults: delay 300000 ms)", false, Map.of());
}
