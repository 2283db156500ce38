package io.connectreactive.cli;

import java.io.PrintStream;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code connect-reactive} command: argument parsing only; {@link StartCommand} does the work.
 *
 * <p>A plain {@code start} (its worker and connector files, {@code --cluster}) is parsed here without
 * picocli: picocli's classes are compiled for Java 5, which class-data sharing cannot archive, and
 * building the model of every command took about 0.4 s of each start. Anything else (help, a
 * client command, an unknown option) goes through picocli.
 */
@Command(name = "connect-reactive", mixinStandardHelpOptions = true,
        description = "A reactive runtime for Kafka Connect connectors.",
        subcommands = {StartCommand.class, PluginsCommand.class, ConnectorsCommand.class})
public final class Main implements Runnable {

    public static void main(String[] args) {
        int code = execute(args);
        if (code != 0) {
            System.exit(code);
        }
    }

    /**
     * Runs a command and returns its exit code: 0, 1 with one line on standard error when a client
     * command failed (the worker's message, or why it could not be reached), 2 for a usage error.
     */
    public static int execute(String... args) {
        return execute(System.out, System.err, args);
    }

    /** {@link #execute(String...)} with the client commands' output and errors written to {@code out} and {@code err}. */
    public static int execute(PrintStream out, PrintStream err, String... args) {
        StartCommand start = StartCommand.plain(args);
        if (start != null) {
            return start.call();
        }
        RestClient.STREAMS.set(new PrintStream[] {out, err});
        try {
            CommandLine cl = new CommandLine(new Main());
            cl.setExecutionExceptionHandler((e, line, parsed) -> {
                if (e instanceof RestClient.Failure) {
                    RestClient.err().println(e.getMessage());
                    return 1;
                }
                throw e;
            });
            return cl.execute(args);
        } finally {
            RestClient.STREAMS.remove();
        }
    }

    @Override
    public void run() {
        CommandLine.usage(this, System.out);
    }
}
