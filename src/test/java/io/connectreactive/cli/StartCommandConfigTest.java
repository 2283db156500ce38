package io.connectreactive.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import io.connectreactive.testing.KafkaBroker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code connect-reactive start} with bad worker and connector files: exit code 1 and one line on
 * stderr naming the bad key, secrets left out.
 */
@ExtendWith(KafkaBroker.class)
class StartCommandConfigTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "offset.flush.interval.ms=soon | offset.flush.interval.ms",
            "listeners=ftp://127.0.0.1:8083 | listeners",
            "listeners=http://127.0.0.1:99999 | listeners",
            "admin.listeners=127.0.0.1 | admin.listeners",
            "rest.max.body.bytes=-1 | rest.max.body.bytes",
            "rest.extension.classes=com.example.MyExtension | rest.extension.classes",
            "ssl.client.auth=sometimes | ssl.client.auth",
            "security.protocol=CARRIER_PIGEON | security.protocol",
            "runtime.source.max.in.flight.records=0 | runtime.source.max.in.flight.records",
    })
    void aBadWorkerValueFailsTheStartNamingTheKey(String line, String key, @TempDir Path dir) throws Exception {
        Path worker = dir.resolve("worker.properties");
        Files.writeString(worker, "runtime.data.dir=" + dir.resolve("data") + "\n" + line + "\n");
        Result r = run(worker, List.of());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).startsWith("Invalid worker configuration").contains(key);
    }

    @Test
    void anHttpsListenerWithoutKeyStoreFailsTheStartNamingTheKey(KafkaBroker kafka, @TempDir Path dir) throws Exception {
        Path worker = dir.resolve("worker.properties");
        Files.writeString(worker, "runtime.data.dir=" + dir.resolve("data") + "\nbootstrap.servers=" + kafka.bootstrapServers()
                + "\nlisteners=https://127.0.0.1:0\nlisteners.https.ssl.keystore.password=hush-1234\n");
        Result r = run(worker, List.of());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("listeners.https.ssl.keystore.location").doesNotContain("hush-1234");
    }

    @Test
    void aBadConnectorFileFailsTheStartNamingTheKey(KafkaBroker kafka, @TempDir Path dir) throws Exception {
        Path worker = dir.resolve("worker.properties");
        Files.writeString(worker, "runtime.data.dir=" + dir.resolve("data") + "\nbootstrap.servers=" + kafka.bootstrapServers()
                + "\nlisteners=http://127.0.0.1:0\n");
        Path connector = dir.resolve("bad.properties");
        Files.writeString(connector, "name=bad\nconnector.class=FileStreamSource\ntasks.max=many\ntopic=t\n");
        Result r = run(worker, List.of(connector));
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("tasks.max");

        Path unnamed = dir.resolve("unnamed.json");
        Files.writeString(unnamed, "{\"config\":{\"connector.class\":\"FileStreamSource\"}}");
        Result r2 = run(worker, List.of(unnamed));
        assertThat(r2.code()).isEqualTo(1);
        assertThat(r2.err()).contains("name");

        Path malformed = dir.resolve("malformed.json");
        Files.writeString(malformed, "{\"name\":\"x\",\"config\":{");
        Result r3 = run(worker, List.of(malformed));
        assertThat(r3.code()).isEqualTo(1);
        assertThat(r3.err()).contains("malformed.json");
    }

    @Test
    void aClusteredWorkerWithAnUnknownExactlyOnceSourceSupportValueFailsTheStartInOneLineNamingTheKey(@TempDir Path dir)
            throws Exception {
        Path worker = dir.resolve("worker.properties");
        Files.writeString(worker, "runtime.data.dir=" + dir.resolve("data") + "\nexactly.once.source.support=sometimes\n");
        StartCommand command = new StartCommand();
        command.cluster = true;
        command.workerFile = worker;
        Result r = run(command);
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).startsWith("Invalid worker configuration: Invalid value sometimes for configuration "
                + "exactly.once.source.support: String must be one of").doesNotContain("\tat ");
        assertThat(r.err().lines()).hasSize(1);
    }

    @Test
    void aConnectorFileRequiringExactlyOnceFailsTheStartNamingTheKey(KafkaBroker kafka, @TempDir Path dir) throws Exception {
        Path worker = dir.resolve("worker.properties");
        Files.writeString(worker, "runtime.data.dir=" + dir.resolve("data") + "\nbootstrap.servers=" + kafka.bootstrapServers()
                + "\nlisteners=http://127.0.0.1:0\n");
        Path connector = dir.resolve("eos.properties");
        Files.writeString(connector, "name=eos\nconnector.class=FileStreamSource\ntopic=t\nfile=" + dir.resolve("in.txt")
                + "\nexactly.once.support=required\n");
        Result r = run(worker, List.of(connector));
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("Connector configuration is invalid", "This worker does not have exactly-once source support enabled.");
    }

    private record Result(int code, String err) {
    }

    private static Result run(Path worker, List<Path> connectors) {
        StartCommand command = new StartCommand();
        command.workerFile = worker;
        command.connectorFiles = connectors;
        return run(command);
    }

    private static Result run(StartCommand command) {
        PrintStream previous = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            return new Result(command.call(), captured.toString(StandardCharsets.UTF_8));
        } finally {
            System.setErr(previous);
        }
    }
}
