package io.connectreactive.metrics;

import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ConnectorRatesTest {

    private final MeterRegistry registry = new SimpleMeterRegistry();
    private final ConnectorRates rates = new ConnectorRates(registry);
    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    private Counter counter(String name, String connector, int task) {
        return Counter.builder(name).tags("connector", connector, "task", String.valueOf(task)).register(registry);
    }

    @Test
    void sumsTheGrowthOfEachTasksCounterPerSecondBySourceWritesAndSinkSends() {
        Counter a0 = counter(ConnectorRates.SOURCE_WRITE, "a", 0);
        Counter a1 = counter(ConnectorRates.SOURCE_WRITE, "a", 1);
        Counter b0 = counter(ConnectorRates.SINK_SEND, "b", 0);
        Counter.builder(MetricNames.SINK + "sink.record.read").tags("connector", "b", "task", "0").register(registry).increment(1e6);
        a0.increment(500);

        Map<String, ConnectorRates.Rate> first = rates.sample(10 * SECOND);
        assertThat(first).containsOnlyKeys("a", "b");
        assertThat(first.get("a").perSecond()).isZero();

        a0.increment(100);
        a1.increment(50);
        b0.increment(30);
        Map<String, ConnectorRates.Rate> second = rates.sample(12 * SECOND);
        assertThat(second.get("a").perSecond()).isEqualTo(75.0);
        assertThat(second.get("b").perSecond()).isEqualTo(15.0);
        assertThat(second.get("a").lag()).isNull();
    }

    @Test
    void aRestartedTasksNewCounterNeverMakesTheRateNegative() {
        Counter old = counter(ConnectorRates.SOURCE_WRITE, "a", 0);
        old.increment(1000);
        rates.sample(SECOND);
        registry.remove(old);
        counter(ConnectorRates.SOURCE_WRITE, "a", 0).increment(10);

        assertThat(rates.sample(2 * SECOND).get("a").perSecond()).isZero();
        assertThat(rates.sample(3 * SECOND).get("a").perSecond()).isZero();
    }

    @Test
    void aConnectorWhoseTasksWentAwayIsNoLongerListed() {
        Counter c = counter(ConnectorRates.SOURCE_WRITE, "gone", 0);
        assertThat(rates.sample(SECOND)).containsKey("gone");
        registry.remove(c);
        assertThat(rates.sample(2 * SECOND)).doesNotContainKey("gone");
    }

    @Test
    void sinkLagIsThePartitionsRecordsLagSummedOrElseTheTasksRecordsLagMax() {
        counter(ConnectorRates.SINK_SEND, "s", 0);
        counter(ConnectorRates.SINK_SEND, "t", 0);
        AtomicLong p0 = new AtomicLong(7);
        AtomicLong p1 = new AtomicLong(5);
        Gauge.builder(ConnectorRates.RECORDS_LAG, p0, AtomicLong::get)
                .tags("connector", "s", "task", "0", "topic", "x", "partition", "0").register(registry);
        Gauge.builder(ConnectorRates.RECORDS_LAG, p1, AtomicLong::get)
                .tags("connector", "s", "task", "0", "topic", "x", "partition", "1").register(registry);
        Gauge.builder(ConnectorRates.RECORDS_LAG_MAX, () -> 99).tags("connector", "s", "task", "0").register(registry);
        Gauge.builder(ConnectorRates.RECORDS_LAG_MAX, () -> 40).tags("connector", "t", "task", "0").register(registry);
        Gauge.builder(ConnectorRates.RECORDS_LAG_MAX, () -> Double.NaN).tags("connector", "t", "task", "1").register(registry);

        Map<String, ConnectorRates.Rate> sampled = rates.sample(SECOND);
        assertThat(sampled.get("s").lag()).isEqualTo(12.0);
        assertThat(sampled.get("t").lag()).isEqualTo(40.0);
    }
}
