package io.connectreactive.cli;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Which command lines {@code start} parses itself, and which it leaves to picocli. */
class StartCommandPlainTest {

    @Test
    void parsesStartWithFilesAndClusterAnywhere() {
        StartCommand c = StartCommand.plain("start", "w.properties", "--cluster", "a.json", "b.properties");
        assertThat(c).isNotNull();
        assertThat(c.cluster).isTrue();
        assertThat(c.workerFile).isEqualTo(Path.of("w.properties"));
        assertThat(c.connectorFiles).containsExactly(Path.of("a.json"), Path.of("b.properties"));
    }

    @Test
    void parsesStandaloneAsConnectStandalonePassesIt() {
        StartCommand c = StartCommand.plain("start", "--standalone", "w.properties", "a.properties");
        assertThat(c).isNotNull();
        assertThat(c.standalone).isTrue();
        assertThat(c.cluster).isFalse();
        assertThat(c.workerFile).isEqualTo(Path.of("w.properties"));
        assertThat(c.connectorFiles).containsExactly(Path.of("a.properties"));
    }

    @Test
    void parsesABareStart() {
        StartCommand c = StartCommand.plain("start");
        assertThat(c).isNotNull();
        assertThat(c.cluster).isFalse();
        assertThat(c.workerFile).isNull();
        assertThat(c.connectorFiles).isEmpty();
    }

    @Test
    void leavesEverythingElseToPicocli() {
        for (List<String> args : List.of(List.<String>of(), List.of("plugins", "list"), List.of("start", "--help"),
                List.of("start", "-h"), List.of("start", "--", "w.properties"), List.of("start", "@args.txt"),
                List.of("start", "--clusters"), List.of("start", ""))) {
            assertThat(StartCommand.plain(args.toArray(String[]::new))).as(args.toString()).isNull();
        }
    }
}
