package io.connectreactive.cluster;

import java.util.Map;

import io.connectreactive.rest.IdleSourceConnector;
import org.apache.kafka.connect.source.ConnectorTransactionBoundaries;
import org.apache.kafka.connect.source.ExactlyOnceSupport;

/**
 * An idle source connector (tasks that produce nothing) whose answers to Kafka Connect's exactly-once
 * preflight checks come from its config: {@code answer.exactly.once} and {@code answer.boundaries} name
 * the enum constant to return ({@code SUPPORTED}, {@code UNSUPPORTED}), or {@code null}; absent, SUPPORTED.
 */
public class EosAnsweringSource extends IdleSourceConnector {

    @Override
    public ExactlyOnceSupport exactlyOnceSupport(Map<String, String> config) {
        String answer = config.getOrDefault("answer.exactly.once", "SUPPORTED");
        return "null".equals(answer) ? null : ExactlyOnceSupport.valueOf(answer);
    }

    @Override
    public ConnectorTransactionBoundaries canDefineTransactionBoundaries(Map<String, String> config) {
        String answer = config.getOrDefault("answer.boundaries", "SUPPORTED");
        return "null".equals(answer) ? null : ConnectorTransactionBoundaries.valueOf(answer);
    }
}
