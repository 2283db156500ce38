package io.connectreactive.bench;

/**
 * Who is measured. {@code label} is what tables print. {@link #LIMIT} is the scenario's own plugin
 * driven by the simplest correct loop with no runtime around it ({@code limit.LimitLoop}): what
 * either runtime could reach with the same plugin, converters and client settings.
 */
enum Contender {
    CONNECT_REACTIVE("connect-reactive"),
    KAFKA_CONNECT("Kafka Connect"),
    RAW("raw client"),
    LIMIT("limit loop");

    final String label;

    Contender(String label) {
        this.label = label;
    }

    String id() {
        return switch (this) {
            case CONNECT_REACTIVE -> "cr";
            case KAFKA_CONNECT -> "kc";
            case RAW -> "raw";
            case LIMIT -> "limit";
        };
    }
}
