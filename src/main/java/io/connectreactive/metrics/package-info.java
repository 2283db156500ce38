/**
 * The worker's metrics on Micrometer, named and tagged after Kafka Connect's metric groups
 * ({@link io.connectreactive.metrics.MetricNames}), served in Prometheus' text format by
 * {@code GET /metrics} and, when {@code metrics.jmx.enable=true}, as JMX MBeans named as Kafka
 * Connect's ({@link io.connectreactive.metrics.KafkaConnectJmxNames}).
 */
package io.connectreactive.metrics;
