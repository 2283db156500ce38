package io.connectreactive.rest;

import io.connectreactive.testing.TestConnectors;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.connect.connector.Task;

/**
 * A test source connector whose {@code start()} waits for {@link #GATE} when a test armed it (at
 * most 30 s), so a worker's startup can be held while the test watches it; it has no tasks.
 */
public class GatedStartSourceConnector extends TestConnectors.Source {

    /** When set, every start() waits until it is counted down. */
    public static volatile CountDownLatch gate;

    @Override
    public void start(Map<String, String> props) {
        CountDownLatch g = gate;
        if (g != null) {
            try {
                g.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public Class<? extends Task> taskClass() {
        return IdleSourceConnector.IdleTask.class;
    }

    @Override
    public List<Map<String, String>> taskConfigs(int maxTasks) {
        return List.of();
    }

}
