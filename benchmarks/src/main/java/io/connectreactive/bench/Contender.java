package io.connectreactive.bench;

/** Who is measured. {@code label} is what tables print. */
enum Contender {
    CONNECT_REACTIVE("connect-reactive"),
    KAFKA_CONNECT("Kafka Connect"),
    RAW("raw client");

    final String label;

    Contender(String label) {
        this.label = label;
    }

    String id() {
        return switch (this) {
            case CONNECT_REACTIVE -> "cr";
            case KAFKA_CONNECT -> "kc";
            case RAW -> "raw";
        };
    }
}
