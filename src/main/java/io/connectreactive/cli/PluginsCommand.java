package io.connectreactive.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;

import io.connectreactive.plugin.PluginDesc;
import io.connectreactive.plugin.PluginDiscovery;
import io.connectreactive.plugin.PluginScanner;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code plugins list --plugin-path DIR[,DIR...]}: what a worker would find in those plugin.path
 * elements, and whether each plugin is listed in a {@code META-INF/services} manifest (as Kafka's
 * {@code connect-plugin-path.sh list} tells), without starting a worker.
 */
@Command(name = "plugins", mixinStandardHelpOptions = true, description = "Inspect plugins.",
        subcommands = {PluginsCommand.ListCommand.class})
final class PluginsCommand implements Runnable {

    @Override
    public void run() {
        picocli.CommandLine.usage(this, System.out);
    }

    /** The listing. */
    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "List the plugins in plugin.path elements and whether they have service manifests.")
    static final class ListCommand implements Callable<Integer> {

        @Option(names = "--plugin-path", required = true, split = ",", paramLabel = "DIR",
                description = "A plugin.path element: a directory of plugins, or a plugin jar (repeatable, or comma-separated)")
        List<String> pluginPath = new ArrayList<>();

        @Override
        public Integer call() {
            // scan and read manifests, as the default hybrid_warn does, to tell which plugins have one
            List<PluginDesc> found = new PluginScanner(ListCommand.class.getClassLoader(), PluginDiscovery.HYBRID_WARN)
                    .scanPluginPath(pluginPath);
            print(found, System.out);
            long unlisted = found.stream().filter(d -> !d.manifested()).count();
            System.out.printf("%d plugins found, %d without a manifest (not found with plugin.discovery=service_load)%n",
                    found.size(), unlisted);
            return 0;
        }

        static void print(List<PluginDesc> found, PrintStream out) {
            String format = "%-60s %-16s %-12s %-8s %s%n";
            out.printf(format, "CLASS", "TYPE", "VERSION", "MANIFEST", "LOCATION");
            found.stream()
                    .sorted(Comparator.comparing(PluginDesc::location).thenComparing(PluginDesc::className)
                            .thenComparing(d -> d.type().restName()))
                    .forEach(d -> out.printf(format, d.className(), d.type().restName(), d.version(),
                            d.manifested() ? "yes" : "no", d.location()));
        }
    }
}
