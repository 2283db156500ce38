/**
 * The worker's metrics on Micrometer, named and tagged after Kafka Connect's metric groups
 * ({@link io.connectreactive.metrics.MetricNames}), served in Prometheus' text format by
 * {@code GET /metrics} and read by Kafka Connect's own JMX MBeans
 * ({@code KafkaConnectMBeans}, unless {@code metrics.jmx.enable=false}).
 */
package io.connectreactive.metrics;
