package io.connectreactive.cluster;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.source.ConnectorTransactionBoundaries;
import org.apache.kafka.connect.source.ExactlyOnceSupport;
import org.apache.kafka.connect.source.SourceConnector;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.source.SourceTask;
import org.apache.kafka.connect.source.TransactionContext;

/**
 * A source connector that defines its own transaction boundaries (KIP-618): one task emitting the
 * numbers 0 .. {@code count}-1 as string values of {@code topic}, 100 per poll, resuming after its
 * stored offset. It commits a transaction after every 250th number and aborts the one that would
 * end at every 1000th: the numbers n with {@code n % 1000 >= 750} are never seen by a
 * {@code read_committed} consumer (their offsets still commit, so they are not emitted again).
 */
public class BoundaryDefiningSource extends SourceConnector {

    private Map<String, String> props;

    /** Whether a read_committed consumer must see {@code n}. */
    static boolean committed(long n) {
        return n % 1000 < 750;
    }

    @Override
    public void start(Map<String, String> props) {
        this.props = props;
    }

    @Override
    public Class<? extends Task> taskClass() {
        return BoundaryTask.class;
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
        return "1";
    }

    @Override
    public ExactlyOnceSupport exactlyOnceSupport(Map<String, String> config) {
        return ExactlyOnceSupport.SUPPORTED;
    }

    @Override
    public ConnectorTransactionBoundaries canDefineTransactionBoundaries(Map<String, String> config) {
        return ConnectorTransactionBoundaries.SUPPORTED;
    }

    public static class BoundaryTask extends SourceTask {
        private static final Map<String, ?> PARTITION = Map.of("source", "numbers");
        private String topic;
        private long count;
        private long next;
        private TransactionContext transactions;

        @Override
        public String version() {
            return "1";
        }

        @Override
        public void start(Map<String, String> props) {
            topic = props.get("topic");
            count = Long.parseLong(props.get("count"));
            transactions = context.transactionContext();
            if (transactions == null) {
                throw new IllegalStateException("no transaction context: the task is not run exactly once with connector-defined boundaries");
            }
            Map<String, Object> offset = context.offsetStorageReader().offset(PARTITION);
            next = offset == null ? 0 : ((Number) offset.get("n")).longValue() + 1;
        }

        @Override
        public List<SourceRecord> poll() throws InterruptedException {
            if (next >= count) {
                Thread.sleep(50);
                return null;
            }
            Thread.sleep(10);
            List<SourceRecord> out = new ArrayList<>(100);
            for (int i = 0; i < 100 && next < count; i++, next++) {
                SourceRecord r = new SourceRecord(PARTITION, Map.of("n", next), topic, null, Schema.STRING_SCHEMA, Long.toString(next));
                out.add(r);
                if (next % 1000 == 999) {
                    transactions.abortTransaction(r);
                } else if (next % 250 == 249) {
                    transactions.commitTransaction(r);
                }
            }
            return out;
        }

        @Override
        public void stop() {
        }
    }
}
