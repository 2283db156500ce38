package io.connectreactive.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code connect-reactive} command: argument parsing only; {@link StartCommand} does the work.
 */
@Command(name = "connect-reactive", mixinStandardHelpOptions = true,
        description = "A reactive runtime for Kafka Connect connectors.",
        subcommands = {StartCommand.class, PluginsCommand.class})
public final class Main implements Runnable {

    public static void main(String[] args) {
        int code = new CommandLine(new Main()).execute(args);
        if (code != 0) {
            System.exit(code);
        }
    }

    @Override
    public void run() {
        CommandLine.usage(this, System.out);
    }
}
